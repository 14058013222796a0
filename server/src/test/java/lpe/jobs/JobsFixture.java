package lpe.jobs;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import lpe.batching.BatcherConfig;

/** A JobRunner on fakes: model root with model "m", a store in {@code dir}. */
final class JobsFixture implements AutoCloseable {
    final FakeModels loader;
    final ModelRegistry models;
    final SimpleMeterRegistry meters;
    final JobStore store;
    final JobRunner runner;

    JobsFixture(Path dir, long sleepMillisPerBatch, int maxRunning, int maxQueued) throws Exception {
        this(dir, sleepMillisPerBatch, maxRunning, maxQueued, JobsConfig.CHECKPOINT_EVERY);
    }

    /** With running jobs saving their estimators' states at least {@code checkpointEvery} apart. */
    JobsFixture(Path dir, long sleepMillisPerBatch, int maxRunning, int maxQueued, Duration checkpointEvery)
            throws Exception {
        JobsConfig config = new JobsConfig(FakeModels.root(dir.resolve("models"), "m"),
                StoreLocation.sqlite(dir.resolve("jobs.db")), maxRunning, maxQueued, 1 << 20,
                new BatcherConfig(256, Duration.ofMillis(2)), checkpointEvery);
        meters = new SimpleMeterRegistry();
        loader = new FakeModels(sleepMillisPerBatch);
        models = new ModelRegistry(config, loader, meters);
        store = new JobStore(config.store());
        JobPlanner planner = new JobPlanner(models, new FakeDistributions(), Set.of(new NaiveForTests(), new lpe.estimate.Qld(),
                new lpe.estimate.ExactEnumeration()), config);
        runner = new JobRunner(store, planner, models, config, meters, Clock.systemUTC());
    }

    static JobSpec spec(List<String> targets, long budget, long seed) {
        return new JobSpec("m", "uniform3", null, targets, "argmax", "naive", budget, null, seed);
    }

    Job await(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Job job = runner.get(id);
            if (job.state().isFinal()) {
                return job;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("job " + id + " did not finish in 60 s: " + runner.get(id));
    }

    @Override
    public void close() {
        runner.close();
        models.close();
        store.close();
    }
}
