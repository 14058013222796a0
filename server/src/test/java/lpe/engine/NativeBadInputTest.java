package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input the native engine can meet gives an exception whose message names what was wrong. */
class NativeBadInputTest {

    static NativeLibrary library;
    static HfCheckpoint stories;

    @BeforeAll
    static void load() throws Exception {
        library = HfCheckpoint.library();
        stories = HfCheckpoint.read(HfCheckpoint.modelFolder("stories260K"));
    }

    static void assertMessage(RuntimeException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    @Test
    void missingLibraryNamesThePathAndHowToBuildIt(@TempDir Path dir) {
        Path missing = dir.resolve("liblpe_native.so");
        assertMessage(assertThrows(NativeEngineException.class, () -> NativeLibrary.load(missing)),
                "not found at " + missing, "native/build.sh", NativeLibrary.PROPERTY);
    }

    @Test
    void aFileThatIsNotALibraryIsRefusedWithTheLoadersReason(@TempDir Path dir) throws Exception {
        Path bogus = Files.writeString(dir.resolve("liblpe_native.so"), "not a shared library");
        assertMessage(assertThrows(NativeEngineException.class, () -> NativeLibrary.load(bogus)),
                "cannot load the native engine library " + bogus, "LD_LIBRARY_PATH");
    }

    @Test
    void cudaWithoutCudaOrAMissingGpuIsAClearError() {
        // On CI's CPU libtorch this is "no CUDA support"; on a GPU host, a device index that does not exist.
        String device = library.cudaAvailable() ? "cuda:97" : "cuda";
        NativeEngineException e = assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, stories.config(), stories.tensors(), device, NativePrecision.FP32));
        assertMessage(e, "cannot start the native engine on " + device);
        if (!library.cudaAvailable()) {
            assertMessage(e, "has no CUDA support or sees no GPU", "--device cpu");
        }
    }

    @Test
    void unknownDeviceAndPrecisionAreRefusedByName() {
        assertMessage(assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, stories.config(), stories.tensors(), "tpu", NativePrecision.FP32)),
                "device 'tpu' is not supported; expected cpu or cuda");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> NativePrecision.parse("fp8")),
                "precision 'fp8' is not supported; expected fp32, tf32 or bf16");
    }

    @Test
    void badConfigValuesAreNamed() {
        Map<String, String> config = new LinkedHashMap<>(stories.config());
        config.put("arch", "mamba");
        assertMessage(assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, config, stories.tensors(), "cpu", NativePrecision.FP32)),
                "arch 'mamba' is not supported");
        config.put("arch", "llama");
        config.put("heads", "seven");
        assertMessage(assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, config, stories.tensors(), "cpu", NativePrecision.FP32)),
                "key 'heads' is 'seven'; expected an integer");
        config.remove("heads");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> NativeEngine.open(library, config, stories.tensors(), "cpu", NativePrecision.FP32)),
                "expected", "heads");
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() {
        List<NativeTensor> missing = new ArrayList<>(stories.tensors());
        missing.removeIf(t -> t.name().equals("model.layers.3.mlp.up_proj.weight"));
        assertMessage(assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, stories.config(), missing, "cpu", NativePrecision.FP32)),
                "tensor 'model.layers.3.mlp.up_proj.weight' is missing; expected shape [172, 64]");
        List<NativeTensor> misshapen = new ArrayList<>(stories.tensors());
        misshapen.replaceAll(t -> t.name().equals("model.norm.weight") ? new NativeTensor(t.name(), new long[] {8, 8}, t.data()) : t);
        assertMessage(assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, stories.config(), misshapen, "cpu", NativePrecision.FP32)),
                "tensor 'model.norm.weight' has shape [8, 8]; expected [64]");
    }

    @Test
    void badRequestsAreNamedByRowAndPosition() {
        try (NativeEngine engine = NativeEngine.open(library, stories.config(), stories.tensors(), "cpu", NativePrecision.FP32)) {
            assertMessage(assertThrows(NativeEngineException.class,
                    () -> engine.run(new EngineRequest(new int[][] {{1, 2, 3}, {1, 512, 3}}, Set.of(Output.LOGITS), null))),
                    "token id 512 at row 1, position 1 is outside 0..511");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> engine.run(new EngineRequest(new int[][] {{1, 2, 3}, {1, 2}}, Set.of(Output.LOGITS), null))),
                    "row 1 has 2 tokens; expected 3");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> engine.run(new EngineRequest(new int[][] {{1, 2}}, Set.of(Output.EMBEDDING_GRADIENTS), null))),
                    "outputs [EMBEDDING_GRADIENTS] need one target per row (1), got none");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> engine.run(new EngineRequest(new int[][] {{1, 2}}, Set.of(Output.EMBEDDING_GRADIENTS), new int[] {-3}))),
                    "target -3 of row 0 is outside 0..511");
            assertMessage(assertThrows(NativeEngineException.class,
                    () -> engine.run(new EngineRequest(new int[][] {new int[513]}, Set.of(Output.LOGITS), null))),
                    "sequence length 513 is outside 1..512");
        }
    }

    @Test
    void runningOutOfMemoryIsAnOutOfMemoryErrorNotACrash() {
        try (NativeEngine engine = NativeEngine.open(library, stories.config(), stories.tensors(), "cpu", NativePrecision.FP32)) {
            InputDistribution d = new InputDistribution("two", List.of(Position.fixed(1), new Position(new int[] {5, 6}, new double[] {1, 1})));
            // One batch of 2^58 rows needs 2 EiB, more than any address space: refused at once even where the OS overcommits.
            NativeOutOfMemoryException e = assertThrows(NativeOutOfMemoryException.class,
                    () -> engine.sampleArgmaxCounts(d, 1L << 58, 1L << 58, 1, 0));
            assertMessage(e, "sampling ground truth for 'two'", "memory");
            long[] counts = engine.sampleArgmaxCounts(d, 10, 10, 1, 0);
            assertTrue(java.util.Arrays.stream(counts).sum() == 10, "the engine still works after running out of memory");
        }
    }
}
