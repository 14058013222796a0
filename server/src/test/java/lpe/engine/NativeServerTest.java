package lpe.engine;

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
import lpe.api.LpeServer;
import lpe.api.RuntimeModule;
import lpe.api.ServerConfig;
import lpe.api.ServerModule;
import lpe.batching.BatcherConfig;
import lpe.dist.Distributions;
import lpe.estimate.Behavior;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimators;
import lpe.estimate.ProgressListener;
import lpe.jobs.JobsConfig;
import lpe.jobs.NativeModels;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The server with the native engine (RuntimeModule with NativeModels, as {@code lpe serve --engine native} wires it):
 * an ITGIS job on stories260K gives what the same estimator gives when run directly on a NativeEngine.
 */
class NativeServerTest {
    @TempDir
    Path dir;

    @Test
    void itgisJobMatchesADirectRunOnTheNativeEngine() throws Exception {
        NativeLibrary library = HfCheckpoint.library();
        JobsConfig jobs = new JobsConfig(TestModels.stories260K().getParent(), dir.resolve("jobs.db"), 8, 8, 1 << 20,
                new BatcherConfig(512, Duration.ofMillis(2)));
        ServerConfig config = new ServerConfig(0, -1, null, null, null, List.of("stories260K"));
        String name = InProcessServerBuilder.generateName();
        try (LpeServer server = Guice.createInjector(new ServerModule(config, jobs),
                        new RuntimeModule(new NativeModels(library, "cpu", NativePrecision.FP32)))
                .getInstance(LpeServer.class)
                .start(InProcessServerBuilder.forName(name))) {
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            var stub = EstimationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            Job itgis = stub.submitJob(SubmitJobRequest.newBuilder().setSpec(spec("itgis", 400, 64, 6)).build());
            Job doneItgis = await(stub, itgis.getId());
            assertEquals(Job.State.SUCCEEDED, doneItgis.getState(), doneItgis.getReason());
            Model model = new ModelReader().read(TestModels.stories260K());
            try (NativeEngine engine = NativeEngine.open(library, model, "cpu", NativePrecision.FP32)) {
                assertClose(direct(engine, model, "itgis", 400, 64, 6), doneItgis.getResult().getEstimates(0));
            }
            assertTrue(doneItgis.getResult().getEstimates(0).getBackwardPasses() > 0, "ITGIS used gradients");
            channel.shutdownNow();
        }
    }

    private static JobSpec spec(String method, int target, int budget, long seed) {
        return JobSpec.newBuilder().setModel("stories260K").setPreset("hex").setMethod(method).setBudget(budget)
                .setSeed(seed).addTargets(TargetRef.newBuilder().setId(target)).build();
    }

    private static Estimate direct(NativeEngine engine, Model model, String method, int target, int budget, long seed) {
        var hex = Distributions.resolve("hex", model.vocabulary(), Optional.empty());
        return Estimators.byName(method, false).run(new EstimationProblem(hex, target, new Behavior.Argmax(), budget,
                Double.NaN, seed), engine, ProgressListener.NONE);
    }

    private static void assertClose(Estimate want, lpe.v1.Estimate got) {
        assertEquals(want.estimate(), got.getEstimate(), 1e-5 * Math.abs(want.estimate()) + 1e-300);
        assertEquals(want.stdError(), got.getStdError(), 1e-5 * Math.abs(want.stdError()) + 1e-300);
        assertEquals(want.forwardPasses(), got.getForwardPasses());
        assertEquals(want.backwardPasses(), got.getBackwardPasses());
    }

    private static Job await(EstimationServiceGrpc.EstimationServiceBlockingStub stub, String id) throws InterruptedException {
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
