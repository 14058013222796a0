package lpe.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.model.ModelConfig;
import lpe.v1.Estimate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lpe bench server} and its parts: the FLOP count, the choice of targets, the agreement test, a tiny run. */
class ServerBenchTest {

    @TempDir
    Path dir;

    /** The paper's shape, counted by hand: L·33·(2·(4·512² + 2·512·2048) + 4·33·512) + 2·512·48262. */
    @Test
    void forwardFlopsOfThePapersModel() throws Exception {
        assertEquals(259_268_608.0, ForwardFlops.perRow(paperConfig(1), 33));
        assertEquals(888_813_568.0, ForwardFlops.perRow(paperConfig(4), 33));
    }

    private ModelConfig paperConfig(int layers) throws Exception {
        Path file = dir.resolve("config-" + layers + ".json");
        Files.writeString(file, """
                {"model_type": "gpt2", "vocab_size": 48262, "n_embd": 512, "n_layer": %d, "n_head": 8, "n_inner": 2048,
                 "n_positions": 64, "layer_norm_epsilon": 1e-5, "activation_function": "gelu",
                 "tie_word_embeddings": false}""".formatted(layers));
        return ModelConfig.read(file);
    }

    /**
     * A fake model whose logit of v is -|v - x₁| (x₁ = the input's second token, uniform over 10, 11, 12): those three
     * are argmaxes (margin 0); 9 and 13 miss by 1, 8 and 14 by 2.
     */
    @Test
    void targetsAreTheArgmaxesThenTheNearestMisses() {
        Engine engine = new DistanceModel(20);
        InputDistribution d = new InputDistribution("test", List.of(Position.fixed(0),
                new Position(new int[] {10, 11, 12}, new double[] {1, 1, 1})));
        int[] chosen = TargetChoice.closestToArgmax(engine, d, 300, 7, 7);
        assertEquals(Set.of(10, 11, 12), set(Arrays.copyOfRange(chosen, 0, 3)));
        assertArrayEquals(new int[] {9, 13, 8, 14}, Arrays.copyOfRange(chosen, 3, 7)); // equal margins: lower id first
    }

    @Test
    void moreTargetsThanTheVocabularyAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> TargetChoice.closestToArgmax(new DistanceModel(20), new InputDistribution("test",
                        List.of(Position.fixed(1))), 10, 1, 21));
        assertTrue(e.getMessage().contains("--targets must be in [1, 20]"), e.getMessage());
    }

    @Test
    void estimatesAgreeWithinThreeCombinedStandardErrors() {
        assertTrue(ServerBench.agree(estimate(1.0e-5, 3e-6), estimate(2.2e-5, 3e-6))); // 1.2e-5 <= 3·4.24e-6
        assertFalse(ServerBench.agree(estimate(1.0e-5, 3e-6), estimate(2.3e-5, 3e-6))); // 1.3e-5 > 1.27e-5
        assertTrue(ServerBench.agree(estimate(0, 0), estimate(0, 0)));
        assertFalse(ServerBench.agree(estimate(0, 0), estimate(1e-5, 1e-6)));
    }

    /** Stories260K on the CPU: every ITGIS target runs exactly its budget of rows; the lone runs agree. */
    @Test
    void tinyRunOnStories260K() {
        BenchRun run = BenchRun.of("server", "--model-root", Shared.dir().resolve("models").toString(),
                "--targets", "3", "--budget", "256", "--single", "2", "--argmax-samples", "64", "--peak-tflops", "1",
                "--json");
        assertEquals(0, run.exit(), run.err());
        JsonObject out = run.json();
        assertEquals(256.0, out.get("rows_per_target").getAsDouble());
        double bound = 3 * out.get("forward_flops_per_row").getAsDouble() * 256 / 1e12;
        assertEquals(bound, out.get("flop_bound_seconds_per_target").getAsDouble(), 1e-12);
        assertEquals(2, out.get("comparisons").getAsJsonArray().size());
        for (JsonElement c : out.get("comparisons").getAsJsonArray()) {
            assertTrue(c.getAsJsonObject().get("agree").getAsBoolean(), c.toString());
        }
    }

    @Test
    void aNegativeBatchDelayIsAOneLineError() {
        BenchRun run = BenchRun.of("server", "--model-root", dir.toString(), "--targets", "2", "--single", "0", "--max-delay-ms", "-1");
        assertEquals("lpe bench server: --max-delay-ms must be 0 or more, got -1", run.oneLineError());
    }

    @Test
    void moreSingleRunsThanTargetsIsAOneLineError() {
        BenchRun run = BenchRun.of("server", "--model-root", dir.toString(), "--targets", "2", "--single", "3");
        assertEquals("lpe bench server: --single must be in [0, --targets = 2], got 3", run.oneLineError());
    }

    private static Estimate estimate(double p, double se) {
        return Estimate.newBuilder().setEstimate(p).setStdError(se).build();
    }

    private static Set<Integer> set(int[] ids) {
        Set<Integer> s = new HashSet<>();
        for (int id : ids) {
            s.add(id);
        }
        return s;
    }

    private record DistanceModel(int vocabulary) implements Engine {
        @Override
        public ModelShape shape() {
            return new ModelShape(vocabulary, 4, 8);
        }

        @Override
        public EngineResult run(EngineRequest request) {
            float[][] logits = new float[request.rows()][vocabulary];
            for (int b = 0; b < request.rows(); b++) {
                for (int v = 0; v < vocabulary; v++) {
                    logits[b][v] = -Math.abs(v - request.tokens()[b][1 % request.length()]);
                }
            }
            return new EngineResult(logits, null, null);
        }

        @Override
        public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[][] unembedding() {
            throw new UnsupportedOperationException();
        }
    }
}
