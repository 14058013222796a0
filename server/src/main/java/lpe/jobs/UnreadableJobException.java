package lpe.jobs;

/** A job whose stored row cannot be read back (corrupt data); the row is left as it is in the store. */
public final class UnreadableJobException extends RuntimeException {
    public UnreadableJobException(String message) {
        super(message);
    }
}
