package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.Set;
import lpe.jobs.ModelHandle;
import lpe.jobs.NativeModels;
import lpe.model.TestModels;
import org.junit.jupiter.api.Test;

/** The server's native model loader: refuses an unreachable device at start-up, and serves stories260K correctly. */
class NativeModelsTest {

    @Test
    void aDeviceTheLibraryCannotReachIsRefusedAtStartUp() {
        NativeLibrary library = HfCheckpoint.library();
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new NativeModels(library, "metal", NativePrecision.FP32));
        assertTrue(bad.getMessage().contains("--device metal is not supported; expected cpu or cuda"), bad.getMessage());
        if (!library.cudaAvailable()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new NativeModels(library, "cuda", NativePrecision.FP32));
            assertTrue(e.getMessage().contains("has no CUDA support or sees no GPU; use --device cpu"), e.getMessage());
        }
    }

    @Test
    void servesStories260KWithTransformersLogits() throws Exception {
        var ref = JsonParser.parseString(Files.readString(HfCheckpoint.fixture("stories260K").resolve("reference.json"))).getAsJsonObject();
        int[][] tokens = NativeEngineReferenceTest.ints2(ref.getAsJsonArray("tokens"));
        try (ModelHandle handle = new NativeModels(HfCheckpoint.library(), "cpu", NativePrecision.FP32).load(TestModels.stories260K())) {
            assertTrue(handle.architecture().equals("llama"), handle.architecture());
            float[][] logits = handle.engine().run(new EngineRequest(tokens, Set.of(Output.LOGITS), null)).logits();
            NativeEngineReferenceTest.assertClose(NativeEngineReferenceTest.floats2(ref.getAsJsonArray("logits")), logits, "stories260K logits");
        }
    }
}
