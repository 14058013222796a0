package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import lpe.batching.BatcherConfig;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.engine.DjlEngine;
import lpe.estimate.Behavior;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimators;
import lpe.estimate.ProgressListener;
import lpe.jobs.JobsConfig;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.GetJobRequest;
import lpe.v1.Job;
import lpe.v1.JobSpec;
import lpe.v1.SubmitJobRequest;
import lpe.v1.TargetRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production wiring (RuntimeModule: DJL engine, lpe.dist presets, real estimators) on stories260K, checked against
 * the same estimators run directly on an engine of their own.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RealModelServerTest {
    @TempDir
    Path dir;

    private static Estimate direct(Model model, String method, int target, int budget, long seed) {
        InputDistribution hex = Distributions.resolve("hex", model.vocabulary(), Optional.empty());
        try (DjlEngine engine = new DjlEngine(model)) {
            return Estimators.byName(method, false).run(new EstimationProblem(hex, target, new Behavior.Argmax(),
                    budget, Double.NaN, seed), engine, ProgressListener.NONE);
        }
    }

    private static void assertClose(Estimate want, lpe.v1.Estimate got) {
        assertEquals(want.estimate(), got.getEstimate(), 1e-5 * Math.abs(want.estimate()) + 1e-300);
        assertEquals(want.stdError(), got.getStdError(), 1e-5 * Math.abs(want.stdError()) + 1e-300);
        assertEquals(want.forwardPasses(), got.getForwardPasses());
        assertEquals(want.backwardPasses(), got.getBackwardPasses());
    }

    @Test
    void naiveWithThreeTargetsAndItgisMatchDirectRunsOnStories260K() throws Exception {
        Path root = TestModels.stories260K().getParent();
        JobsConfig jobs = new JobsConfig(root, dir.resolve("jobs.db"), 8, 8, 1 << 20,
                new BatcherConfig(512, Duration.ofMillis(2)));
        ServerConfig config = new ServerConfig(0, -1, null, null, null, List.of("stories260K"));
        String name = InProcessServerBuilder.generateName();
        try (LpeServer server = Guice.createInjector(new ServerModule(config, jobs), new RuntimeModule())
                .getInstance(LpeServer.class)
                .start(InProcessServerBuilder.forName(name))) {
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            var stub = EstimationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            JobSpec.Builder naive = JobSpec.newBuilder().setModel("stories260K").setPreset("hex").setMethod("naive")
                    .setBudget(256).setSeed(5);
            for (int t : new int[] {300, 301, 302}) {
                naive.addTargets(TargetRef.newBuilder().setId(t));
            }
            Job a = stub.submitJob(SubmitJobRequest.newBuilder().setSpec(naive).build());
            Job b = stub.submitJob(SubmitJobRequest.newBuilder().setSpec(JobSpec.newBuilder().setModel("stories260K")
                    .setPreset("hex").setMethod("itgis").setBudget(64).setSeed(6)
                    .addTargets(TargetRef.newBuilder().setId(400))).build());
            Job doneA = await(stub, a.getId());
            Job doneB = await(stub, b.getId());
            assertEquals(Job.State.SUCCEEDED, doneA.getState(), doneA.getReason());
            assertEquals(Job.State.SUCCEEDED, doneB.getState(), doneB.getReason());
            Model model = new ModelReader().read(TestModels.stories260K());
            for (int i = 0; i < 3; i++) {
                assertClose(direct(model, "naive", 300 + i, 256, 5), doneA.getResult().getEstimates(i));
            }
            assertClose(direct(model, "itgis", 400, 64, 6), doneB.getResult().getEstimates(0));
            assertTrue(doneB.getResult().getEstimates(0).getBackwardPasses() > 0);
            channel.shutdownNow();
        }
    }

    private static Job await(EstimationServiceGrpc.EstimationServiceBlockingStub stub, String id)
            throws InterruptedException {
        for (int i = 0; i < 12_000; i++) {
            Job job = stub.getJob(GetJobRequest.newBuilder().setName(id).build());
            if (job.getDone()) {
                return job;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("job " + id + " did not finish");
    }
}
