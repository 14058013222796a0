package lpe.estimate;

/** Receives partial estimates while an estimator runs (samples done of the budget, the estimate so far). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, budget, partial) -> {};

    void update(long samplesDone, long budget, Estimate partial);
}
