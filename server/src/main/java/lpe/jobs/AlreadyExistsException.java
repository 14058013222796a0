package lpe.jobs;

/** A request id already names a job whose spec differs from the one submitted with it. */
public final class AlreadyExistsException extends RuntimeException {
    public AlreadyExistsException(String message) {
        super(message);
    }
}
