package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The device-side ground-truth loop against exact enumeration: every input of a small distribution is run through
 * {@link NativeEngine#run} (itself checked against transformers), giving the exact probability of each argmax token;
 * the sampled counts must agree with it within 5 binomial standard deviations, over several seeds.
 */
class NativeSamplerTest {

    static NativeEngine engine;

    static final InputDistribution DIST = new InputDistribution("skewed", List.of(
            Position.fixed(1),
            new Position(new int[] {10, 11, 12, 13}, new double[] {1, 2, 3, 4}),
            new Position(new int[] {100, 200, 300}, new double[] {5, 1, 1}),
            new Position(new int[] {50, 60, 70, 80, 90, 400}, new double[] {1, 3, 2, 2, 1, 1})));

    @BeforeAll
    static void open() throws Exception {
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder("stories260K"));
        engine = NativeEngine.open(HfCheckpoint.library(), checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** P(argmax = t) by enumerating every input through run() (stories260K's DIST: 144 inputs, three argmax tokens). */
    static double[] exactArgmaxProbabilities(NativeEngine engine, InputDistribution dist) {
        List<int[]> inputs = new ArrayList<>();
        List<Double> probabilities = new ArrayList<>();
        enumerate(dist, 0, new int[dist.length()], 1.0, inputs, probabilities);
        float[][] logits = engine.run(new EngineRequest(inputs.toArray(int[][]::new), Set.of(Output.LOGITS), null)).logits();
        double[] p = new double[engine.shape().vocabularySize()];
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int v = 1; v < logits[i].length; v++) {
                if (logits[i][v] > logits[i][best]) {
                    best = v;
                }
            }
            for (int v = 0; v < logits[i].length; v++) {
                assertTrue(v == best || logits[i][best] - logits[i][v] > 1e-3,
                        "input " + i + " has a near-tie for its argmax; choose another test distribution");
            }
            p[best] += probabilities.get(i);
        }
        return p;
    }

    static void enumerate(InputDistribution dist, int position, int[] x, double probability, List<int[]> inputs, List<Double> probabilities) {
        if (position == x.length) {
            inputs.add(x.clone());
            probabilities.add(probability);
            return;
        }
        Position p = dist.position(position);
        for (int k = 0; k < p.size(); k++) {
            x[position] = p.id(k);
            enumerate(dist, position + 1, x, probability * p.probability(k), inputs, probabilities);
        }
    }

    @Test
    void sampledArgmaxFrequenciesMatchExactEnumerationOverSeeds() {
        assertSamplerMatchesEnumeration(engine, DIST);
    }

    /** The same on the tiny gpt2 (learned positions) and gpt_neox (partial RoPE, parallel residual) fixtures. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "gpt_neox-tiny"})
    void otherArchitecturesToo(String name) throws Exception {
        HfCheckpoint checkpoint = HfCheckpoint.read(HfCheckpoint.modelFolder(name));
        InputDistribution d = new InputDistribution("tiny", List.of(
                Position.fixed(3),
                new Position(new int[] {10, 11, 12, 13}, new double[] {1, 2, 3, 4}),
                new Position(new int[] {40, 50, 60}, new double[] {5, 1, 1}),
                new Position(new int[] {70, 80, 90, 91, 92, 96}, new double[] {1, 3, 2, 2, 1, 1})));
        try (NativeEngine e = NativeEngine.open(HfCheckpoint.library(), checkpoint.config(), checkpoint.tensors(), "cpu", NativePrecision.FP32)) {
            assertSamplerMatchesEnumeration(e, d);
        }
    }

    static void assertSamplerMatchesEnumeration(NativeEngine engine, InputDistribution dist) {
        double[] exact = exactArgmaxProbabilities(engine, dist);
        long distinct = java.util.Arrays.stream(exact).filter(q -> q > 0).count();
        assertTrue(distinct >= 3, "the test distribution should have several argmax tokens, has " + distinct);
        int n = 2000;
        for (long seed = 1; seed <= 4; seed++) {
            long[] counts = engine.sampleArgmaxCounts(dist, n, 500, seed, 0);
            assertEquals(n, java.util.Arrays.stream(counts).sum(), "every sample is counted once (seed " + seed + ")");
            for (int t = 0; t < exact.length; t++) {
                double mean = n * exact[t];
                double sd = Math.sqrt(n * exact[t] * (1 - exact[t]));
                assertTrue(Math.abs(counts[t] - mean) <= 5 * sd + 1e-9,
                        "seed " + seed + ", token " + t + ": count " + counts[t] + ", expected " + mean + " ± 5×" + sd);
            }
        }
    }

    @Test
    void samplesDependOnlyOnSeedAndIndexSoShardsAddUp() {
        long[] whole = engine.sampleArgmaxCounts(DIST, 600, 200, 42, 0);
        long[] first = engine.sampleArgmaxCounts(DIST, 200, 200, 42, 0);
        long[] rest = engine.sampleArgmaxCounts(DIST, 400, 200, 42, 200);
        long[] sum = new long[whole.length];
        for (int t = 0; t < sum.length; t++) {
            sum[t] = first[t] + rest[t];
        }
        assertArrayEquals(whole, sum);
        long[] otherSeed = engine.sampleArgmaxCounts(DIST, 600, 200, 43, 0);
        assertTrue(!java.util.Arrays.equals(whole, otherSeed), "another seed gives other samples");
    }
}
