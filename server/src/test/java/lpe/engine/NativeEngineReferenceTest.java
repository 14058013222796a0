package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native engine on CPU against Hugging Face transformers' own outputs (native/test/make_reference.py) for one
 * model of each architecture: last-position logits, final-norm activations and embedding gradients, to 1e-4.
 */
class NativeEngineReferenceTest {

    static final double TOLERANCE = 1e-4;
    /** The whole-tensor outputs, all from one lpe_run call (NativeEstimatorPassTest covers the reduced ones). */
    static final Set<Output> WHOLE = EnumSet.of(Output.LOGITS, Output.ACTIVATIONS, Output.EMBEDDING_GRADIENTS);

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gpt2-tiny", "gpt_neox-tiny"})
    void matchesTransformers(String name) throws Exception {
        JsonObject ref = JsonParser.parseString(Files.readString(HfCheckpoint.fixture(name).resolve("reference.json"))).getAsJsonObject();
        int[][] tokens = ints2(ref.getAsJsonArray("tokens"));
        int[] targets = ints1(ref.getAsJsonArray("targets"));
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder(name));
        try (NativeEngine engine = NativeEngine.open(HfCheckpoint.library(), checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32)) {
            EngineResult all = engine.run(new EngineRequest(tokens, WHOLE, targets));
            assertClose(floats2(ref.getAsJsonArray("logits")), all.logits(), name + " logits");
            assertClose(floats2(ref.getAsJsonArray("activations")), all.activations(), name + " activations");
            JsonArray grads = ref.getAsJsonArray("gradients");
            for (int r = 0; r < tokens.length; r++) {
                assertClose(floats2(grads.get(r).getAsJsonArray()), all.embeddingGradients()[r], name + " gradients of row " + r);
            }
            float[][] expectedLogits = floats2(ref.getAsJsonArray("logits"));
            int[] argmax = engine.argmax(tokens);
            for (int r = 0; r < tokens.length; r++) {
                int best = 0;
                for (int v = 1; v < expectedLogits[r].length; v++) {
                    best = expectedLogits[r][v] > expectedLogits[r][best] ? v : best;
                }
                assertEquals(best, argmax[r], name + " argmax of row " + r);
            }
            // The forward-only path (no autograd) gives the same logits, and nothing that was not asked for.
            EngineResult logitsOnly = engine.run(new EngineRequest(tokens, Set.of(Output.LOGITS), null));
            assertClose(floats2(ref.getAsJsonArray("logits")), logitsOnly.logits(), name + " logits without gradients");
            assertEquals(null, logitsOnly.activations());
            assertEquals(null, logitsOnly.embeddingGradients());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gpt2-tiny"})
    void projectionsAndUnembeddingMatchTheCheckpoint(String name) throws Exception {
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder(name));
        String embeddingName = name.equals("stories260K") ? "model.embed_tokens.weight" : "transformer.wte.weight";
        String unembeddingName = name.equals("stories260K") ? "model.embed_tokens.weight" : "lm_head.weight";
        float[][] embedding = matrix(checkpoint.tensors(), embeddingName);
        float[][] unembedding = matrix(checkpoint.tensors(), unembeddingName);
        try (NativeEngine engine = NativeEngine.open(HfCheckpoint.library(), checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32)) {
            int d = engine.shape().modelWidth();
            float[][] vectors = new float[3][d];
            for (int n = 0; n < 3; n++) {
                for (int i = 0; i < d; i++) {
                    vectors[n][i] = (float) Math.sin(1.7 * n + 0.31 * i);
                }
            }
            int[] ids = {0, 5, 17, 42, 96};
            float[][] projected = engine.projectOntoEmbeddings(vectors, ids);
            for (int n = 0; n < 3; n++) {
                for (int k = 0; k < ids.length; k++) {
                    double dot = 0;
                    for (int i = 0; i < d; i++) {
                        dot += vectors[n][i] * embedding[ids[k]][i];
                    }
                    assertEquals(dot, projected[n][k], TOLERANCE, "projection of vector " + n + " on token " + ids[k]);
                }
            }
            float[][] got = engine.unembedding();
            assertEquals(unembedding.length, got.length);
            for (int v = 0; v < got.length; v++) {
                assertArrayEquals(unembedding[v], got[v], "unembedding row " + v);
            }
        }
    }

    static float[][] matrix(List<NativeTensor> tensors, String name) {
        NativeTensor t = tensors.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        int rows = (int) t.shape()[0];
        int cols = (int) t.shape()[1];
        float[][] m = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(t.data(), r * cols, m[r], 0, cols);
        }
        return m;
    }

    static void assertClose(float[][] expected, float[][] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": rows");
        double worst = 0;
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, actual[r].length, what + ": columns of row " + r);
            for (int c = 0; c < expected[r].length; c++) {
                worst = Math.max(worst, Math.abs(expected[r][c] - actual[r][c]));
            }
        }
        assertTrue(worst <= TOLERANCE, what + ": max |difference| " + worst + " > " + TOLERANCE);
    }

    static int[] ints1(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    static int[][] ints2(JsonArray a) {
        int[][] out = new int[a.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints1(a.get(i).getAsJsonArray());
        }
        return out;
    }

    static float[][] floats2(JsonArray a) {
        float[][] out = new float[a.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonArray row = a.get(i).getAsJsonArray();
            out[i] = new float[row.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = row.get(j).getAsFloat();
            }
        }
        return out;
    }
}
