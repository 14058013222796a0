package lpe.jobs;

import java.nio.file.Path;
import java.time.Duration;
import lpe.batching.BatcherConfig;

/**
 * Where models and jobs live and how many jobs may run: at most {@code maxRunning} jobs run at once (each on its own
 * virtual threads), at most {@code maxQueued} more wait; a submit beyond that is refused as RESOURCE_EXHAUSTED.
 * {@code maxBudget} bounds one job's budget. A running job saves its estimators' states at least
 * {@code checkpointEvery} apart (zero: never; see docs/operations.md).
 */
public record JobsConfig(Path modelRoot, StoreLocation store, int maxRunning, int maxQueued, long maxBudget,
        BatcherConfig batcher, Duration checkpointEvery) {
    /** The default checkpoint interval. */
    public static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(5);

    public JobsConfig {
        if (checkpointEvery.isNegative()) {
            throw new IllegalArgumentException("the checkpoint interval must be >= 0, got " + checkpointEvery);
        }
    }

    /** With the default checkpoint interval. */
    public JobsConfig(Path modelRoot, StoreLocation store, int maxRunning, int maxQueued, long maxBudget,
            BatcherConfig batcher) {
        this(modelRoot, store, maxRunning, maxQueued, maxBudget, batcher, CHECKPOINT_EVERY);
    }

    /** With an SQLite store file and the default checkpoint interval. */
    public JobsConfig(Path modelRoot, Path store, int maxRunning, int maxQueued, long maxBudget, BatcherConfig batcher) {
        this(modelRoot, StoreLocation.sqlite(store), maxRunning, maxQueued, maxBudget, batcher);
    }
}
