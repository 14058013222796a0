package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DjlEngine against transformers' float64 outputs on random tiny models of every architecture and file layout. */
class DjlEngineFixtureTest {

    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "llama_untied_bias", "llama_f16", "llama_bf16", "llama_sharded", "gpt2",
        "gpt_neox", "gpt_neox_sequential"})
    void matchesTransformers(String fixture) {
        Model model = new ModelReader().read(TestModels.fixture(fixture));
        FixtureReference reference = FixtureReference.read(model.directory());
        assertArrayEquals(reference.encode().ids(), model.vocabulary().encode(reference.encode().text()), "tokenizer ids");
        try (DjlEngine engine = new DjlEngine(model)) {
            for (FixtureReference.Case c : reference.cases()) {
                String where = fixture + " " + c.tokens().length + "x" + c.tokens()[0].length;
                EngineResult all = engine.run(new EngineRequest(c.tokens(), NativeEngineReferenceTest.WHOLE, c.targets()));
                assertClose(c.logits(), all.logits(), where + " logits");
                assertClose(c.activations(), all.activations(), where + " activations");
                for (int b = 0; b < c.tokens().length; b++) {
                    assertClose(c.gradients()[b], all.embeddingGradients()[b], where + " gradients row " + b);
                }
                EngineResult forward = engine.run(new EngineRequest(c.tokens(), Set.of(Output.LOGITS), null));
                assertClose(c.logits(), forward.logits(), where + " no-grad logits");
                assertNull(forward.activations());
                assertNull(forward.embeddingGradients());
            }
        }
    }

    /** The real stories260K (trained weights, 4 KV heads for 8 query heads) against transformers on the same files. */
    @Test
    void stories260KMatchesTransformers() {
        Model model = new ModelReader().read(TestModels.stories260K());
        FixtureReference reference = FixtureReference.readFile(TestModels.fixture("stories260K_reference.json"));
        try (DjlEngine engine = new DjlEngine(model)) {
            for (FixtureReference.Case c : reference.cases()) {
                String where = "stories260K " + c.tokens().length + "x" + c.tokens()[0].length;
                EngineResult all = engine.run(new EngineRequest(c.tokens(), NativeEngineReferenceTest.WHOLE, c.targets()));
                assertClose(c.logits(), all.logits(), where + " logits");
                assertClose(c.activations(), all.activations(), where + " activations");
                for (int b = 0; b < c.tokens().length; b++) {
                    assertClose(c.gradients()[b], all.embeddingGradients()[b], where + " gradients row " + b);
                }
            }
        }
    }

    static void assertClose(float[][] expected, float[][] actual, String what) {
        assertEquals(expected.length, actual.length, what + " rows");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual[i].length, what + " row " + i + " length");
            for (int j = 0; j < expected[i].length; j++) {
                worst = Math.max(worst, Math.abs(expected[i][j] - actual[i][j]));
            }
        }
        assertTrue(worst <= TOLERANCE, what + ": max |difference| " + worst + " > " + TOLERANCE);
    }
}
