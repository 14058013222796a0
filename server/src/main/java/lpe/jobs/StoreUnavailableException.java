package lpe.jobs;

/**
 * The job store cannot be read or written (unreachable database, full disk, read-only file): the message is one line
 * naming the store and the problem. Nothing stored is changed by the call that failed.
 */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
