package lpe.estimate;

import static lpe.estimate.ToyEstimatorsTest.assertCoverage;
import static lpe.estimate.ToyEstimatorsTest.assertUnbiased;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.engine.DjlEngine;
import lpe.model.Model;
import lpe.model.ModelLoader;
import lpe.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The estimators on the real stories260K model (DjlEngine), on a distribution of 16³ = 4,096 inputs that exact
 * enumeration covers: "<s> ▁Once" then three positions of 16 tokens each with geometric weights 0.6^k, so that
 * targets range from common to far below 1e-6. 100 seeds per claim, through {@link CachingEngine}. For argmax below
 * 1e-6 (target id 312, p = 1.8e-7) neither ITGIS nor MHIS found a single hit in 30 runs of 2^12 at any T in
 * {0.1 … 8}; below 1e-6 only temperature sampling is verified here (README, "Estimators").
 */
class Stories260KEstimatorsTest {
    static final int SEEDS = 100;
    static DjlEngine djl;
    static CachingEngine engine;
    static InputDistribution distribution;
    static double[] exact;
    static int rareSampled;
    static double rareSampledExact;

    @BeforeAll
    static void enumerate() {
        Model model = new ModelLoader().load(TestModels.stories260K());
        djl = new DjlEngine(model);
        engine = new CachingEngine(djl);
        distribution = new InputDistribution("stories-small", List.of(
                Position.fixed(1), Position.fixed(403), varying(300), varying(350), varying(420)));
        List<int[]> inputs = new java.util.ArrayList<>();
        for (int a = 0; a < 16; a++) {
            for (int b = 0; b < 16; b++) {
                for (int c = 0; c < 16; c++) {
                    inputs.add(new int[] {1, 403, 300 + a, 350 + b, 420 + c});
                }
            }
        }
        engine.prefetch(inputs, 0); // logits for the enumeration
        exact = new double[model.config().vocabularySize()];
        for (int t = 0; t < exact.length; t++) {
            exact[t] = new ExactEnumeration().run(
                    new EstimationProblem(distribution, t, new Behavior.Argmax(), 1, Double.NaN, 0), engine,
                    ProgressListener.NONE).estimate();
        }
        for (double p : new double[] {1e-3, 1e-4}) {
            engine.prefetch(inputs, targetNear(p)); // gradients of the targets the tests use
        }
        // temperature-1 sampling: E_x[softmax(M(x))_t] for every t in one pass, and the token nearest 1e-7
        float[][] logits = engine.run(new lpe.engine.EngineRequest(inputs.toArray(int[][]::new),
                java.util.EnumSet.of(lpe.engine.Output.LOGITS), null)).logits();
        double[] sampled = new double[exact.length];
        for (int k = 0; k < inputs.size(); k++) {
            int[] x = inputs.get(k);
            double weight = 1;
            for (int i = 2; i < x.length; i++) {
                weight *= distribution.position(i).probability(distribution.position(i).indexOf(x[i]));
            }
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits[k]) {
                max = Math.max(max, l);
            }
            double z = 0;
            for (float l : logits[k]) {
                z += Math.exp(l - max);
            }
            for (int t = 0; t < sampled.length; t++) {
                sampled[t] += weight * Math.exp(logits[k][t] - max) / z;
            }
        }
        double best = Double.POSITIVE_INFINITY;
        for (int t = 0; t < sampled.length; t++) {
            if (Math.abs(Math.log(sampled[t] / 1e-7)) < best) {
                best = Math.abs(Math.log(sampled[t] / 1e-7));
                rareSampled = t;
                rareSampledExact = sampled[t];
            }
        }
        engine.prefetch(inputs, rareSampled);
    }

    @AfterAll
    static void close() {
        djl.close();
    }

    static Position varying(int firstId) {
        int[] ids = new int[16];
        double[] weights = new double[16];
        for (int k = 0; k < 16; k++) {
            ids[k] = firstId + k;
            weights[k] = Math.pow(0.6, k);
        }
        return new Position(ids, weights);
    }

    /** The target whose exact probability is closest to p in log terms, among targets with p > 0. */
    static int targetNear(double p) {
        int best = -1;
        for (int t = 0; t < exact.length; t++) {
            if (exact[t] > 0 && (best < 0 || Math.abs(Math.log(exact[t] / p)) < Math.abs(Math.log(exact[best] / p)))) {
                best = t;
            }
        }
        return best;
    }

    static Estimate[] runSeeds(Estimator estimator, int target, int budget, double temperature, int seeds) {
        Estimate[] out = new Estimate[seeds];
        for (int s = 0; s < seeds; s++) {
            out[s] = estimator.run(new EstimationProblem(
                    distribution, target, new Behavior.Argmax(), budget, temperature, 2000 + s), engine,
                    ProgressListener.NONE);
        }
        return out;
    }

    @Test
    void exactProbabilitiesSumToOneAndSpanTheRange() {
        assertEquals(1.0, Arrays.stream(exact).sum(), 1e-9);
        assertTrue(exact[targetNear(1e-3)] > 3e-4 && exact[targetNear(1e-3)] < 3e-3, "a target near 1e-3");
        assertTrue(exact[targetNear(1e-7)] < 1e-6, "a target below 1e-6: " + exact[targetNear(1e-7)]);
        assertTrue(exact[targetNear(1e-4)] > 5e-5 && exact[targetNear(1e-4)] < 2e-4, "a target near 1e-4");
    }

    @Test
    void naiveIsUnbiasedWithHonestIntervalsNear1em3() {
        int target = targetNear(1e-3);
        Estimate[] runs = runSeeds(new NaiveSampling(), target, 1 << 12, Double.NaN, SEEDS);
        assertUnbiased(runs, exact[target]);
        assertCoverage(runs, exact[target]);
    }

    @Test
    void itgisIsUnbiasedWithHonestIntervalsNear1em3() {
        int target = targetNear(1e-3);
        Estimate[] runs = runSeeds(new Itgis(), target, 1 << 12, 1.0, SEEDS);
        assertUnbiased(runs, exact[target]);
        assertCoverage(runs, exact[target]);
    }

    /**
     * At p ≈ 1e-4 ITGIS is still unbiased, but at n = 2^12 most runs see no hit (measured 17 of 30 at T = 1), and a
     * run without hits reports the interval [0, 0]: coverage is far below 95% there and is not asserted (README).
     */
    @Test
    void itgisIsUnbiasedNear1em4() {
        int target = targetNear(1e-4);
        Estimate[] runs = runSeeds(new Itgis(), target, 1 << 12, 1.0, SEEDS);
        assertUnbiased(runs, exact[target]);
    }

    /**
     * Below 1e-6 with the temperature-sampling behaviour, where every sample carries a value: ITGIS's mean over 100
     * seeds is within 3 standard errors of E_x[softmax(M(x))_t] (measured 1.006e-7 ± 0.023e-7 against 0.995e-7). Its
     * intervals cover only 52 of 100 times at n = 2^12 (heavy-tailed weights: the per-run error is underestimated);
     * coverage is not asserted (README).
     */
    @Test
    void itgisIsUnbiasedBelow1em6ForTemperatureSampling() {
        assertTrue(rareSampledExact < 1e-6, "fixture: E[softmax_t] = " + rareSampledExact);
        Estimate[] runs = new Estimate[SEEDS];
        for (int s = 0; s < SEEDS; s++) {
            runs[s] = new Itgis().run(new EstimationProblem(distribution, rareSampled, new Behavior.Sample(1.0),
                    1 << 12, 1.0, 3000 + s), engine, ProgressListener.NONE);
        }
        assertUnbiased(runs, rareSampledExact);
    }

    /** T = 2: at T = 1 the chains mix badly here (measured mean/exact 0.08 over 10 runs at 2^12). */
    @Test
    void mhisIsConsistentAsTheBudgetGrows() {
        int target = targetNear(1e-3);
        Mhis mhis = new Mhis(32, 128);
        double small = meanAbsLogError(runSeeds(mhis, target, 1 << 9, 2.0, 10), exact[target]);
        Estimate[] large = runSeeds(mhis, target, 1 << 13, 2.0, 10);
        double big = meanAbsLogError(large, exact[target]);
        assertTrue(big < small, "error should shrink with the budget: " + small + " at 2^9, " + big + " at 2^13");
        double mean = Arrays.stream(large).mapToDouble(Estimate::estimate).average().orElseThrow();
        assertEquals(exact[target], mean, 0.25 * exact[target], "mean of 10 MHIS runs at 2^13 recorded samples");
    }

    static double meanAbsLogError(Estimate[] runs, double exact) {
        return Arrays.stream(runs).mapToDouble(e -> Math.abs(Math.log(Math.max(e.estimate(), 1e-15) / exact)))
                .average().orElseThrow();
    }
}
