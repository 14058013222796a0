package lpe.jobs;

/** The job queue is at its bound; the client should retry later. */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(String message) {
        super(message);
    }
}
