package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * GPU checks, run by tools/gpu/run.sh on a CUDA host (not by surefire: the name does not end in Test, and CI has no
 * GPU): the native engine on CUDA against itself on CPU, fp32, on every fixture (whole tensors and the estimator
 * pass); and the GPU's bad-input paths.
 */
class NativeCudaCheck {

    static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "gpt2-tiny", "gpt_neox-tiny"})
    void cudaMatchesCpu(String name) throws Exception {
        NativeLibrary library = HfCheckpoint.library();
        assertTrue(library.cudaAvailable(), "this check needs a CUDA libtorch and a GPU");
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder(name));
        try (NativeEngine cpu = NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32);
                NativeEngine cuda = NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), "cuda", NativePrecision.FP32)) {
            int v = cpu.shape().vocabularySize();
            java.util.Random random = new java.util.Random(7);
            int[][] tokens = new int[64][9];
            int[] targets = new int[tokens.length];
            for (int r = 0; r < tokens.length; r++) {
                for (int t = 0; t < tokens[r].length; t++) {
                    tokens[r][t] = random.nextInt(v);
                }
                targets[r] = random.nextInt(v);
            }
            EngineRequest request = new EngineRequest(tokens, NativeEngineReferenceTest.WHOLE, targets);
            EngineResult a = cpu.run(request);
            EngineResult b = cuda.run(request);
            NativeEngineReferenceTest.assertClose(a.logits(), b.logits(), name + " logits");
            NativeEngineReferenceTest.assertClose(a.activations(), b.activations(), name + " activations");
            for (int r = 0; r < tokens.length; r++) {
                NativeEngineReferenceTest.assertClose(a.embeddingGradients()[r], b.embeddingGradients()[r], name + " gradients of row " + r);
            }
            assertArrayEquals(cpu.argmax(tokens), cuda.argmax(tokens), name + " argmax");
            float[][] vectors = a.activations();
            int[] ids = {0, 3, 9, 50};
            NativeEngineReferenceTest.assertClose(cpu.projectOntoEmbeddings(vectors, ids), cuda.projectOntoEmbeddings(vectors, ids), name + " projections");
            // The estimator pass: every reduced output, groups of uneven sizes, repeated positions.
            int[][] positions = new int[tokens.length][];
            int[] groups = new int[tokens.length];
            for (int r = 0; r < tokens.length; r++) {
                positions[r] = new int[] {8, r % 9, r % 9};
                groups[r] = r % 5 == 0 ? 0 : r % 3 + 1;
            }
            Proposals proposals = new Proposals(ReducedReference.randomLaw(9, 4, 0.5, random),
                    ReducedReference.uniforms(tokens.length, 3, random), random.ints(tokens.length, -1, 4).toArray());
            EngineRequest pass = new EngineRequest(tokens, EnumSet.of(Output.LOGITS, Output.ARGMAX, Output.TARGET_LOGIT,
                    Output.PROPOSALS, Output.ONE_HOT_GRADIENT_SUMS), targets, new int[] {0, 3, 9, v - 1}, positions, groups,
                    proposals);
            EngineResult c = cpu.run(pass);
            EngineResult g = cuda.run(pass);
            NativeEngineReferenceTest.assertClose(c.logits(), g.logits(), name + " estimator pass logits");
            assertArrayEquals(c.argmax(), g.argmax(), name + " estimator pass argmax");
            NativeEngineReferenceTest.assertClose(new float[][] {c.targetLogits()}, new float[][] {g.targetLogits()}, name + " target logits");
            // Draws may differ where a uniform falls within rounding of a cumulative boundary: allow 1 in 20.
            int differ = 0;
            for (int r = 0; r < tokens.length; r++) {
                for (int q = 0; q < 3; q++) {
                    if (c.proposalDraws().columns()[r][q] != g.proposalDraws().columns()[r][q]) {
                        differ++;
                    } else {
                        assertEquals(c.proposalDraws().logProbabilities()[r][q], g.proposalDraws().logProbabilities()[r][q],
                                1e-3, name + " proposal log-probability of row " + r + ", entry " + q);
                    }
                }
                assertEquals(c.proposalDraws().reverseLogProbabilities()[r], g.proposalDraws().reverseLogProbabilities()[r],
                        1e-3, name + " reverse log-probability of row " + r);
            }
            assertTrue(differ <= tokens.length * 3 / 20, name + ": " + differ + " of " + tokens.length * 3 + " draws differ");
            for (int k = 0; k < c.oneHotGradientSums().length; k++) {
                NativeEngineReferenceTest.assertClose(c.oneHotGradientSums()[k], g.oneHotGradientSums()[k], name + " one-hot sums of group " + k);
            }
        }
    }

    @Test
    void cudaSamplerDrawsTheSameSamplesAsCpu() throws Exception {
        NativeLibrary library = HfCheckpoint.library();
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder("stories260K"));
        try (NativeEngine cpu = NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32);
                NativeEngine cuda = NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), "cuda", NativePrecision.FP32)) {
            // Samples depend only on (seed, index), so both devices see the same inputs; the argmax gaps are >= 0.097.
            assertArrayEquals(cpu.sampleArgmaxCounts(NativeSamplerTest.DIST, 20000, 4096, 5, 0),
                    cuda.sampleArgmaxCounts(NativeSamplerTest.DIST, 20000, 4096, 5, 0));
        }
    }

    /**
     * A Llama of {@code layers} layers of 8192 x 8192 attention and 16384-wide MLP (2.7 GB per layer in fp32, about
     * 0.66e9 parameters), with a 512-token vocabulary; every layer holds the same Java arrays, so the host needs one
     * layer however many the device gets.
     */
    private static NativeEngine openWideLlama(NativeLibrary library, int layers) {
        int d = 8192, inner = 16384, v = 512;
        Map<String, String> config = new LinkedHashMap<>(Map.of("arch", "llama", "vocab", "" + v, "hidden", "" + d,
                "layers", "" + layers, "heads", "64", "kv_heads", "64", "head_dim", "128", "intermediate", "" + inner,
                "context", "16", "norm_eps", "1e-5"));
        config.putAll(Map.of("rope_theta", "10000", "rotary_dim", "128", "tied", "1", "parallel_residual", "0",
                "activation", "silu"));
        float[] square = filled(d * d), wide = filled(d * inner), norm = filled(d);
        List<NativeTensor> tensors = new ArrayList<>();
        tensors.add(new NativeTensor("model.embed_tokens.weight", new long[] {v, d}, filled(v * d)));
        tensors.add(new NativeTensor("model.norm.weight", new long[] {d}, norm));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            for (String name : List.of("input_layernorm", "post_attention_layernorm")) {
                tensors.add(new NativeTensor(p + name + ".weight", new long[] {d}, norm));
            }
            for (String name : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                tensors.add(new NativeTensor(p + "self_attn." + name + ".weight", new long[] {d, d}, square));
            }
            for (String name : List.of("gate_proj", "up_proj")) {
                tensors.add(new NativeTensor(p + "mlp." + name + ".weight", new long[] {inner, d}, wide));
            }
            tensors.add(new NativeTensor(p + "mlp.down_proj.weight", new long[] {d, inner}, wide));
        }
        return NativeEngine.open(library, config, tensors, "cuda", NativePrecision.FP32);
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 0.001f);
        return a;
    }

    @Test
    void aModelTooLargeForTheDeviceFailsToLoadAndGivesItsMemoryBack() {
        NativeLibrary library = HfCheckpoint.library();
        // 64 layers: 172 GB in fp32, more than an H200 (141 GB) holds.
        NativeOutOfMemoryException e = assertThrows(NativeOutOfMemoryException.class, () -> openWideLlama(library, 64));
        assertTrue(e.getMessage().contains("out of memory") && e.getMessage().contains("loading tensor 'model.layers."),
                e.getMessage());
        // 24 layers (64 GB) fit only if the failed load gave back what it held (over 100 GB when it failed).
        try (NativeEngine engine = openWideLlama(library, 24)) {
            int[][] tokens = {{1, 2, 3}, {4, 5, 6}};
            EngineResult r = engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS), null));
            // Every weight is equal, so every logit of a row is equal and finite.
            for (float[] row : r.logits()) {
                assertTrue(Float.isFinite(row[0]), "logit " + row[0]);
                for (float x : row) {
                    assertEquals(row[0], x, 1e-3 * Math.abs(row[0]) + 1e-6);
                }
            }
        }
    }

    @Test
    void deviceOutOfMemoryAndMissingDevicesAreClearErrors() throws Exception {
        NativeLibrary library = HfCheckpoint.library();
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder("stories260K"));
        NativeEngineException missing = assertThrows(NativeEngineException.class,
                () -> NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), "cuda:97", NativePrecision.FP32));
        assertTrue(missing.getMessage().contains("cuda:97"), missing.getMessage());
        try (NativeEngine cuda = NativeEngine.open(library, checkpoint.config(), checkpoint.tensors(), "cuda", NativePrecision.FP32)) {
            InputDistribution d = new InputDistribution("two", List.of(Position.fixed(1), new Position(new int[] {5, 6}, new double[] {1, 1})));
            NativeOutOfMemoryException e = assertThrows(NativeOutOfMemoryException.class,
                    () -> cuda.sampleArgmaxCounts(d, 1L << 58, 1L << 58, 1, 0));
            assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
            assertEquals(10, java.util.Arrays.stream(cuda.sampleArgmaxCounts(d, 10, 10, 1, 0)).sum(), "the GPU engine still works");
        }
    }
}
