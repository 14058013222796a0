package lpe.jobs;

import java.nio.file.Path;
import lpe.batching.BatcherConfig;

/**
 * Where models and jobs live and how many jobs may run: at most {@code maxRunning} jobs run at once (each on its own
 * virtual threads), at most {@code maxQueued} more wait; a submit beyond that is refused as RESOURCE_EXHAUSTED.
 * {@code maxBudget} bounds one job's budget.
 */
public record JobsConfig(
        Path modelRoot, Path store, int maxRunning, int maxQueued, long maxBudget, BatcherConfig batcher) {}
