package lpe.jobs;

/** A job's lifecycle: queued -> running -> one of the final states. */
public enum JobState {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    /** The server stopped while the job ran; the reason says so. */
    INTERRUPTED;

    public boolean isFinal() {
        return this != QUEUED && this != RUNNING;
    }
}
