package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lpe.engine.NativeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code lpe generate} and {@code lpe logits} with {@code --engine native} (CPU) against the same independent
 * references as {@link ModelCommandsTest}: stories260K's README and transformers' logits. Surefire runs Native*Test
 * classes in a JVM of their own (DJL's libtorch and the native engine's cannot share one process); the library is
 * found as ./lpe finds it (-Dlpe.native.library, $LPE_NATIVE_LIBRARY, else build/native/ under lpe.home, which the
 * pom sets to the repository root).
 */
class NativeModelCommandsTest {

    private static final String[] NATIVE = {"--engine", "native"};

    @Test
    void generateEqualsTheReadmeContinuation() {
        ModelCommandsTest.assertGeneratesTheReadmeContinuation(NATIVE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama_gqa", "gpt_neox"})
    void logitsMatchTransformers(String fixture) throws Exception {
        ModelCommandsTest.assertLogitsMatchTransformers(fixture, NATIVE);
    }

    @Test
    void logitsOfAPromptMatchTransformers() {
        ModelCommandsTest.assertStoriesLogitsNameTokensAsTokenizerJsonSpellsThem(NATIVE);
    }

    @Test
    void aBadIdReadsAsOnDjl() {
        ModelCommandsTest.assertBadIdIsOneLine(NATIVE);
    }

    @Test
    void aDeviceThatIsNotThereIsOneLine() {
        // On this CPU libtorch, any cuda is refused before the model loads; on a GPU host, an index that does not exist
        // fails when the engine starts (NativeEngine.open).
        boolean cuda = NativeLibrary.load().cudaAvailable();
        String device = cuda ? "cuda:97" : "cuda";
        CliRun run = CliRun.of("generate", "--model", Shared.stories260K().toString(), "--prompt", "x", "--engine", "native",
                "--device", device);
        assertEquals(1, run.exit());
        String error = run.oneLineError();
        assertTrue(error.startsWith("lpe generate: "), error);
        assertTrue(error.contains(device), error);
        assertFalse(error.contains("internal error"), error);
        if (!cuda) {
            assertTrue(error.contains("has no CUDA support or sees no GPU; use --device cpu"), error);
        }
    }
}
