package lpe.jobs;

import java.nio.file.Path;
import lpe.batching.BatcherConfig;

/**
 * Where models and jobs live and how many jobs may run: at most {@code maxRunning} jobs run at once (each on its own
 * virtual threads), at most {@code maxQueued} more wait; a submit beyond that is refused as RESOURCE_EXHAUSTED.
 * {@code maxBudget} bounds one job's budget.
 */
public record JobsConfig(
        Path modelRoot, StoreLocation store, int maxRunning, int maxQueued, long maxBudget, BatcherConfig batcher) {

    /** With an SQLite store file. */
    public JobsConfig(Path modelRoot, Path store, int maxRunning, int maxQueued, long maxBudget, BatcherConfig batcher) {
        this(modelRoot, StoreLocation.sqlite(store), maxRunning, maxQueued, maxBudget, batcher);
    }
}
