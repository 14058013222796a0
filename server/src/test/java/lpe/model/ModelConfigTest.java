package lpe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** config.json fields as transformers wrote them for the fixtures (tools/fixtures/make_fixtures.py gives the values). */
class ModelConfigTest {

    private static ModelConfig read(String fixture) {
        return ModelConfig.read(TestModels.fixture(fixture).resolve("config.json"));
    }

    @Test
    void gptNeoxReadsPartialRotaryAndParallelResidual() {
        ModelConfig c = read("gpt_neox");
        assertEquals(Architecture.GPT_NEOX, c.architecture());
        assertEquals(0.5, c.rotaryFraction());
        assertEquals(4, c.rotaryDim());
        assertEquals(1000.0, c.ropeTheta());
        assertTrue(c.parallelResidual());
        assertFalse(c.tiedEmbeddings());
        assertEquals("gelu", c.activation());
        assertFalse(read("gpt_neox_sequential").parallelResidual());
    }

    @Test
    void gpt2DefaultsInnerSizeAndTiesEmbeddings() {
        ModelConfig c = read("gpt2");
        assertEquals(Architecture.GPT2, c.architecture());
        assertEquals(128, c.intermediateSize()); // n_inner null -> 4 * n_embd
        assertEquals(64, c.contextLength()); // n_positions
        assertEquals(0, c.rotaryDim());
        assertTrue(c.tiedEmbeddings());
        assertEquals("gelu_new", c.activation());
    }

    @Test
    void llamaReadsGroupedQueryHeadsAndRopeParameters() {
        ModelConfig c = read("llama_gqa");
        assertEquals(4, c.heads());
        assertEquals(2, c.kvHeads());
        assertEquals(500.0, c.ropeTheta()); // from rope_parameters (transformers 5 layout)
        assertEquals(8, c.rotaryDim());
        assertFalse(read("llama_untied_bias").tiedEmbeddings());
    }
}
