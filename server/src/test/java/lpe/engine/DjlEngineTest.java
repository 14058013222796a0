package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DjlEngineTest {

    private static Model model;
    private static DjlEngine engine;

    @BeforeAll
    static void load() {
        model = new ModelReader().read(TestModels.fixture("llama_untied_bias"));
        engine = new DjlEngine(model);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void shapeComesFromTheConfig() {
        assertEquals(new ModelShape(64, 32, 64), engine.shape());
    }

    @Test
    void projectionIsTheDotProductWithEmbeddingRows() {
        float[][] vectors = {random(32, 1), random(32, 2)};
        int[] ids = {5, 0, 63, 5};
        float[][] projected = engine.projectOntoEmbeddings(vectors, ids);
        float[] table = model.embeddingMatrix().data();
        for (int n = 0; n < vectors.length; n++) {
            for (int k = 0; k < ids.length; k++) {
                double dot = 0;
                for (int i = 0; i < 32; i++) {
                    dot += vectors[n][i] * table[ids[k] * 32 + i];
                }
                assertEquals(dot, projected[n][k], 1e-4, "vector " + n + " id " + ids[k]);
            }
        }
    }

    @Test
    void unembeddingIsLmHeadForAnUntiedModelAndGivesTheLogits() {
        float[][] rows = engine.unembedding();
        assertArrayEquals(model.weight("lm_head.weight").rows()[7], rows[7]);
        int[][] tokens = {{3, 4, 5}};
        EngineResult r = engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS, Output.ACTIVATIONS), null));
        for (int v = 0; v < 64; v++) {
            double logit = 0;
            for (int i = 0; i < 32; i++) {
                logit += r.activations()[0][i] * rows[v][i];
            }
            assertEquals(logit, r.logits()[0][v], 1e-4, "logit " + v);
        }
    }

    @Test
    void concurrentForwardsAndGradientsGiveTheSequentialResults() throws Exception {
        int[][] tokens = {{1, 2, 3, 4}, {9, 8, 7, 6}};
        int[] targets = {10, 20};
        EngineResult expected = engine.run(new EngineRequest(tokens, NativeEngineReferenceTest.WHOLE, targets));
        List<Future<EngineResult>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 24; i++) {
                Set<Output> outputs = i % 2 == 0 ? NativeEngineReferenceTest.WHOLE : EnumSet.of(Output.LOGITS);
                futures.add(pool.submit(() -> engine.run(new EngineRequest(tokens, outputs, targets))));
            }
            for (int i = 0; i < futures.size(); i++) {
                EngineResult r = futures.get(i).get();
                assertArrayEquals(expected.logits()[1], r.logits()[1], 1e-5f, "logits of call " + i);
                if (i % 2 == 0) { // gradients do not accumulate across calls
                    assertArrayEquals(expected.embeddingGradients()[1][2], r.embeddingGradients()[1][2], 1e-5f, "gradients of call " + i);
                }
            }
        }
    }

    @Test
    void callsFreeEveryIntermediateArray() {
        int[][] tokens = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
        engine.run(new EngineRequest(tokens, NativeEngineReferenceTest.WHOLE, new int[] {1, 2}));
        int held = engine.managedArrays();
        for (int i = 0; i < 5; i++) {
            engine.run(new EngineRequest(tokens, NativeEngineReferenceTest.WHOLE, new int[] {1, 2}));
            engine.run(new EngineRequest(tokens, Set.of(Output.LOGITS), null));
            engine.projectOntoEmbeddings(new float[2][32], new int[] {1, 2, 3});
        }
        assertEquals(held, engine.managedArrays());
    }

    @Test
    void refusesTokenIdsOutsideTheVocabulary() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[][] {{1, 2}, {3, 64}}, Set.of(Output.LOGITS), null)));
        assertTrue(e.getMessage().contains("row 1 position 1") && e.getMessage().contains("[0, 64)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[][] {{-1}}, Set.of(Output.LOGITS), null)));
        assertTrue(e.getMessage().contains("row 0 position 0") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[][] {{1}}, Set.of(Output.EMBEDDING_GRADIENTS), new int[] {99})));
        assertEquals("target 99 of row 0 is outside 0..63", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> engine.projectOntoEmbeddings(new float[1][32], new int[] {64}));
        assertTrue(e.getMessage().contains("ids[0]") && e.getMessage().contains("64"), e.getMessage());
    }

    @Test
    void refusesSequencesLongerThanTheContext() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[][] {new int[65]}, Set.of(Output.LOGITS), null)));
        assertTrue(e.getMessage().contains("65") && e.getMessage().contains("context length is 64"), e.getMessage());
    }

    @Test
    void greedyDecodingRefusesAPromptLongerThanTheContext() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GreedyDecoder(engine).continueGreedily(new int[65], 1));
        assertTrue(e.getMessage().contains("65 tokens") && e.getMessage().contains("context length is 64"), e.getMessage());
    }

    @Test
    void refusesMalformedBatches() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[0][], Set.of(Output.LOGITS), null)));
        assertTrue(e.getMessage().contains("empty batch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[][] {{1, 2}, {1}}, Set.of(Output.LOGITS), null)));
        assertTrue(e.getMessage().contains("row 1 has 1 tokens; expected 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> engine.run(new EngineRequest(new int[][] {{1}}, Set.of(Output.EMBEDDING_GRADIENTS), null)));
        assertTrue(e.getMessage().contains("one target per row"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> engine.projectOntoEmbeddings(new float[][] {new float[31]}, new int[] {1}));
        assertTrue(e.getMessage().contains("vector 0 has length 31; expected the model width 32"), e.getMessage());
    }

    private static float[] random(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
