package lpe.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import lpe.v1.CancelJobRequest;
import lpe.v1.Job;
import lpe.v1.ListModelsRequest;
import lpe.v1.LoadModelRequest;
import lpe.v1.Model;
import lpe.v1.SubmitJobRequest;
import lpe.v1.UnloadModelRequest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModelApiTest {
    @TempDir
    Path dir;

    @Test
    void modelsAreListedLoadedAndUnloadedByNameUnderTheRoot() throws Exception {
        try (TestServer s = new TestServer(dir, 5, 4, 4, null, false)) {
            var models = s.models().listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
            assertEquals(2, models.size());
            assertEquals("models/m", models.get(0).getName());
            assertEquals(Model.State.LOADED, models.get(0).getState());
            assertEquals(32, models.get(0).getVocabularySize());
            assertEquals(Model.State.AVAILABLE, models.get(1).getState());

            Model other = s.models().loadModel(LoadModelRequest.newBuilder().setName("models/other").build());
            assertEquals(Model.State.LOADED, other.getState());
            assertEquals("fake", other.getArchitecture());
            assertEquals(2, s.loader.loads.get());
            s.models().loadModel(LoadModelRequest.newBuilder().setName("other").build());
            assertEquals(2, s.loader.loads.get(), "loading a loaded model must not load it again");

            Job busy = s.jobs().submitJob(SubmitJobRequest.newBuilder()
                    .setSpec(TestServer.spec(1, 1 << 22, 1).setModel("other")).build());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> s.models().unloadModel(UnloadModelRequest.newBuilder().setName("other").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("has 1 queued or running jobs"));
            s.jobs().cancelJob(CancelJobRequest.newBuilder().setName(busy.getName()).build());
            lpe.jobs.Waits.until(() -> s.jobs().getJob(lpe.v1.GetJobRequest.newBuilder().setName(busy.getName())
                    .build()).getState() == Job.State.CANCELLED, "the job to be cancelled");
            Model unloaded = unloadWhenIdle(s, "other");
            assertEquals(Model.State.AVAILABLE, unloaded.getState());
            StatusRuntimeException twice = assertThrows(StatusRuntimeException.class,
                    () -> s.models().unloadModel(UnloadModelRequest.newBuilder().setName("other").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, twice.getStatus().getCode());
            assertTrue(twice.getStatus().getDescription().contains("is not loaded"));
        }
    }

    /** The cancelled job releases its model when its thread ends (within one batch). */
    private static Model unloadWhenIdle(TestServer s, String name) throws InterruptedException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try {
                return s.models().unloadModel(UnloadModelRequest.newBuilder().setName(name).build());
            } catch (StatusRuntimeException e) {
                Thread.sleep(5);
            }
        }
        throw new AssertionError("model " + name + " stayed busy");
    }
}
