package lpe.estimate;

/** A checkpoint that cannot be resumed from (another method's or version's state, or truncated). */
public final class UnusableCheckpointException extends RuntimeException {
    public UnusableCheckpointException(String message) {
        super(message);
    }
}
