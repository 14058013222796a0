package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import lpe.model.Model;
import lpe.model.ModelLoader;
import lpe.model.TestModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DjlEngine's reduced outputs (argmax, target logit, one-hot gradients at chosen positions, per-group sums) against
 * the same reductions computed here, in double, from transformers' logits and embedding gradients and the model's
 * W_E.
 */
class ReducedOutputsTest {

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gpt2", "llama_gqa", "gpt_neox"})
    void matchTransformersReductions(String name) {
        boolean stories = name.equals("stories260K");
        Model model = new ModelLoader().load(stories ? TestModels.stories260K() : TestModels.fixture(name));
        Reference reference = stories
                ? Reference.readFile(TestModels.fixture("stories260K_reference.json"))
                : Reference.read(model.directory());
        int vocabulary = model.config().vocabularySize();
        int width = model.config().hiddenSize();
        float[] embeddings = model.embeddingMatrix().data();
        int[] columns = {vocabulary - 1, 0, 3, vocabulary / 2, 3}; // a repeated column too
        try (DjlEngine engine = new DjlEngine(model)) {
            for (Reference.Case c : reference.cases()) {
                int rows = c.tokens().length;
                int length = c.tokens()[0].length;
                int[][] positions = new int[rows][];
                int[] groups = new int[rows];
                for (int b = 0; b < rows; b++) {
                    positions[b] = new int[] {length - 1, b % length, length - 1};
                    groups[b] = b == 0 ? 0 : 2; // group 1 stays empty; uneven groups
                }
                EngineResult r = engine.run(new EngineRequest(c.tokens(), EnumSet.of(Output.ARGMAX,
                        Output.TARGET_LOGIT, Output.ONE_HOT_GRADIENTS, Output.ONE_HOT_GRADIENT_SUMS), c.targets(),
                        columns, positions, groups));
                assertNull(r.logits());
                assertNull(r.embeddingGradients());
                double[][][] sums = new double[3][length][columns.length];
                for (int b = 0; b < rows; b++) {
                    String where = name + " row " + b;
                    assertEquals(argmax(c.logits()[b]), r.argmax()[b], where + " argmax");
                    assertEquals(c.logits()[b][c.targets()[b]], r.targetLogits()[b], 1e-4, where + " target logit");
                    for (int q = 0; q < positions[b].length; q++) {
                        for (int k = 0; k < columns.length; k++) {
                            double h = dot(c.gradients()[b][positions[b][q]], embeddings, columns[k], width);
                            assertClose(h, r.oneHotGradients()[b][q][k], where + " h at position " + positions[b][q]);
                        }
                    }
                    for (int i = 0; i < length; i++) {
                        for (int k = 0; k < columns.length; k++) {
                            sums[groups[b]][i][k] += dot(c.gradients()[b][i], embeddings, columns[k], width);
                        }
                    }
                }
                assertEquals(3, r.oneHotGradientSums().length, name + " groups");
                for (int g = 0; g < 3; g++) {
                    for (int i = 0; i < length; i++) {
                        for (int k = 0; k < columns.length; k++) {
                            assertClose(sums[g][i][k], r.oneHotGradientSums()[g][i][k], name + " sum of group " + g);
                        }
                    }
                }
                assertArrayEquals(r.oneHotGradients()[0][0], r.oneHotGradients()[0][2], name + " a repeated position");
            }
        }
    }

    private static void assertClose(double expected, float actual, String what) {
        double tolerance = 1e-4 * Math.max(1, Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= tolerance, what + ": " + actual + " vs " + expected);
    }

    private static double dot(float[] gradient, float[] embeddings, int id, int width) {
        double s = 0;
        for (int e = 0; e < width; e++) {
            s += (double) gradient[e] * embeddings[id * width + e];
        }
        return s;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best]) {
                best = v;
            }
        }
        return best;
    }
}
