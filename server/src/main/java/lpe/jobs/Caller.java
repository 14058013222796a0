package lpe.jobs;

/**
 * Who makes a call: the name of the token it carried and whether that identity is an admin. A job belongs to the
 * caller that submitted it; a user sees, watches and cancels only its own jobs, an admin every job. A server without
 * authentication serves every call as {@link #ANONYMOUS}, an admin.
 */
public record Caller(String name, boolean admin) {
    /** The caller of a server with no tokens: owns the jobs it submits under the name "", sees every job. */
    public static final Caller ANONYMOUS = new Caller("", true);

    /** Whether this caller may see {@code job}. */
    public boolean sees(Job job) {
        return admin || job.owner().equals(name);
    }
}
