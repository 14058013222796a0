package lpe.batching;

/** Thrown into a job's estimator thread when the job was cancelled while it waited for (or asked for) rows. */
public final class JobCancelledException extends RuntimeException {
    public JobCancelledException(String jobId) {
        super("job " + jobId + " was cancelled");
    }
}
