package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.Set;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Autograd input-embedding gradients against central finite differences of the engine's own logits, perturbing one
 * embedding coordinate at a time through {@link DjlEngine#runFromEmbeddings}. In float32 with step 1e-2 the
 * difference quotient carries rounding error ~1e-7·|logit|/1e-2 and truncation error ~1e-4·|f'''|, so the check is
 * |autograd − FD| ≤ 3e-3 + 1e-2·|autograd| on 24 random coordinates (across rows and positions) per model.
 */
class GradientFiniteDifferenceTest {

    private static final float STEP = 1e-2f;

    @ParameterizedTest
    @ValueSource(strings = {"llama_gqa", "gpt2", "gpt_neox"})
    void gradientsMatchCentralDifferences(String fixture) {
        Model model = new ModelReader().read(TestModels.fixture(fixture));
        int rows = 2;
        int length = 5;
        int d = model.config().hiddenSize();
        Random random = new Random(fixture.hashCode());
        int[][] tokens = new int[rows][length];
        int[] targets = new int[rows];
        for (int b = 0; b < rows; b++) {
            targets[b] = random.nextInt(model.config().vocabularySize());
            for (int t = 0; t < length; t++) {
                tokens[b][t] = random.nextInt(model.config().vocabularySize());
            }
        }
        float[] embeddings = new float[rows * length * d];
        float[] table = model.embeddingMatrix().data();
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < length; t++) {
                System.arraycopy(table, tokens[b][t] * d, embeddings, (b * length + t) * d, d);
            }
        }
        try (DjlEngine engine = new DjlEngine(model)) {
            float[][][] gradients = engine.runFromEmbeddings(embeddings, rows, length, Set.of(Output.EMBEDDING_GRADIENTS), targets)
                    .embeddingGradients();
            double largest = 0;
            for (int check = 0; check < 24; check++) {
                int b = random.nextInt(rows);
                int t = random.nextInt(length);
                int i = random.nextInt(d);
                int at = (b * length + t) * d + i;
                float saved = embeddings[at];
                embeddings[at] = saved + STEP;
                double plus = targetLogit(engine, embeddings, rows, length, b, targets[b]);
                embeddings[at] = saved - STEP;
                double minus = targetLogit(engine, embeddings, rows, length, b, targets[b]);
                embeddings[at] = saved;
                double fd = (plus - minus) / (2 * STEP);
                double autograd = gradients[b][t][i];
                largest = Math.max(largest, Math.abs(autograd));
                assertTrue(Math.abs(autograd - fd) <= 3e-3 + 1e-2 * Math.abs(autograd),
                        fixture + " row " + b + " position " + t + " dim " + i + ": autograd " + autograd + " vs FD " + fd);
            }
            assertTrue(largest > 0.05, fixture + ": gradients too small to test (" + largest + ")");
        }
    }

    private static double targetLogit(DjlEngine engine, float[] embeddings, int rows, int length, int row, int target) {
        return engine.runFromEmbeddings(embeddings, rows, length, Set.of(Output.LOGITS), null).logits()[row][target];
    }
}
