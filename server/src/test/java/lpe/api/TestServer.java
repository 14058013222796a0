package lpe.api;

import com.google.inject.Guice;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lpe.batching.BatcherConfig;
import lpe.jobs.FakeModels;
import lpe.jobs.JobsConfig;
import lpe.jobs.StoreLocation;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.ModelServiceGrpc;
import lpe.v1.TargetRef;

/** The whole server wired by Guice on fakes, served in-process (or on loopback with {@code loopback}). */
final class TestServer implements AutoCloseable {
    final FakeModels loader;
    final LpeServer server;
    final ManagedChannel channel;

    TestServer(Path dir, long sleepMillisPerBatch, int maxRunning, int maxQueued, String token, boolean loopback)
            throws Exception {
        this(dir, new ServerConfig(0, loopback ? 0 : -1, token, null, null, List.of("m")), sleepMillisPerBatch,
                maxRunning, maxQueued, loopback);
    }

    /** With an explicit server config; {@code loopback} serves it on a real port. */
    TestServer(Path dir, ServerConfig config, long sleepMillisPerBatch, int maxRunning, int maxQueued,
            boolean loopback) throws Exception {
        this(dir, StoreLocation.sqlite(dir.resolve("jobs.db")), config, sleepMillisPerBatch, maxRunning, maxQueued,
                loopback);
    }

    /** With a store of its own (PostgreSQL, a full disk). */
    TestServer(Path dir, StoreLocation store, ServerConfig config, long sleepMillisPerBatch, int maxRunning,
            int maxQueued, boolean loopback) throws Exception {
        this(dir, store, List.of("m", "other"), config, sleepMillisPerBatch, maxRunning, maxQueued, loopback);
    }

    /** With a store of its own and these models under its model root (replicas with different roots). */
    TestServer(Path dir, StoreLocation store, List<String> models, ServerConfig config, long sleepMillisPerBatch,
            int maxRunning, int maxQueued, boolean loopback) throws Exception {
        loader = new FakeModels(sleepMillisPerBatch);
        JobsConfig jobs = new JobsConfig(FakeModels.root(dir.resolve("models"), models.toArray(String[]::new)), store,
                maxRunning, maxQueued, 1 << 22, new BatcherConfig(256, Duration.ofMillis(2)));
        server = Guice.createInjector(new ServerModule(config, jobs), new FakeRuntimeModule(loader))
                .getInstance(LpeServer.class);
        if (loopback) {
            server.start();
            channel = config.tls() ? null
                    : io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        } else {
            String name = InProcessServerBuilder.generateName();
            server.start(InProcessServerBuilder.forName(name).directExecutor());
            channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        }
    }

    EstimationServiceGrpc.EstimationServiceBlockingStub jobs() {
        return EstimationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    ModelServiceGrpc.ModelServiceBlockingStub models() {
        return ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static JobSpec.Builder spec(int target, long budget, long seed) {
        return JobSpec.newBuilder().setModel("m").setPreset("uniform3").setMethod("naive").setBudget(budget)
                .setSeed(seed).addTargets(TargetRef.newBuilder().setToken("t" + target));
    }

    Job await(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Job job = jobs().getJob(lpe.v1.GetJobRequest.newBuilder().setName("jobs/" + id).build());
            if (job.getDone()) {
                return job;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("job " + id + " did not finish in 60 s");
    }

    @Override
    public void close() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.close();
    }
}
