package lpe.jobs;

/** A request that is well formed but cannot apply to the current state (cancel a finished job, unload a busy model). */
public final class PreconditionException extends RuntimeException {
    public PreconditionException(String message) {
        super(message);
    }
}
