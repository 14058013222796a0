package lpe.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The interval rules against closed forms from the literature and against simulation. */
class IntervalTest {

    /**
     * With equal weights 1/n the gamma interval is Garwood's exact Poisson interval: for k = 5 events the textbook
     * limits are [1.6235, 11.668] (chi-squared quantiles χ²₁₀(0.025)/2 and χ²₁₂(0.975)/2).
     */
    @Test
    void weightedGammaWithEqualWeightsIsGarwoodsPoissonInterval() {
        int n = 1000;
        int k = 5;
        Interval ci = Interval.weightedGamma((double) k / n, (double) k / n / n, 1.0 / n);
        assertEquals(1.6235 / n, ci.low(), 1e-4 / n);
        assertEquals(11.668 / n, ci.high(), 1e-3 / n);
        assertEquals(IntervalKind.WEIGHTED_GAMMA, ci.kind());
        assertFalse(ci.upperBoundOnly());
    }

    @Test
    void weightedGammaIsAsymmetricAndNeverZeroAtTheLowEnd() {
        // one hit of weight w: y = w, v = w²: [w·χ²₂(0.025)/2, 2w·χ²₄(0.975)/2] = [0.0253·w, 5.572·w]
        double w = 3e-7;
        Interval one = Interval.weightedGamma(w, w * w, w);
        assertEquals(0.025318 * w, one.low(), 1e-5 * w);
        assertEquals(5.5716 * w, one.high(), 1e-3 * w);
        assertTrue(one.low() > 0);
        assertThrows(IllegalArgumentException.class, () -> Interval.weightedGamma(0, 0, 1));
    }

    /**
     * Simulation: weighted counts y = Σ w_j X_j with X_j ~ Poisson(λ_j) and weights spread over two orders of
     * magnitude, few expected events (3): the gamma interval covers E[y] in at least 95% of 20,000 draws (Fay and
     * Feuer's interval is conservative), and not absurdly often (below 99.5%).
     */
    @Test
    void weightedGammaCoversAWeightedPoissonSumWithFewEvents() {
        SplittableRandom random = new SplittableRandom(11);
        double[] w = new double[50];
        double[] lambda = new double[50];
        double mean = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] = Math.pow(10, -2 * random.nextDouble());
            lambda[j] = 3.0 / w.length;
            mean += w[j] * lambda[j];
        }
        double wMax = java.util.Arrays.stream(w).max().orElseThrow();
        int covered = 0;
        int runs = 20_000;
        int withHits = 0;
        for (int r = 0; r < runs; r++) {
            double y = 0;
            double v = 0;
            for (int j = 0; j < w.length; j++) {
                int x = poisson(random, lambda[j]);
                y += w[j] * x;
                v += w[j] * w[j] * x;
            }
            if (y == 0) {
                covered++; // no event: the zero-hit bound, not this interval, answers (and [0, bound] covers)
                continue;
            }
            withHits++;
            Interval ci = Interval.weightedGamma(y, v, wMax);
            if (ci.low() <= mean && mean <= ci.high()) {
                covered++;
            }
        }
        double share = (double) covered / runs;
        assertTrue(withHits > runs * 0.9, "fixture: " + withHits + " draws with events");
        assertTrue(share >= 0.95 && share <= 0.995, "covered " + covered + " of " + runs);
    }

    private static int poisson(SplittableRandom random, double lambda) {
        double l = Math.exp(-lambda);
        int k = 0;
        double p = random.nextDouble();
        while (p > l) {
            k++;
            p *= random.nextDouble();
        }
        return k;
    }

    /**
     * The zero-hit bound is exact: if p were the bound, m draws would all miss with probability exactly 5%; any larger
     * p makes that rarer.
     */
    @Test
    void zeroHitBoundIsTheExactOneSidedClopperPearsonBound() {
        for (long m : new long[] {1, 10, 6554, 1 << 20}) {
            Interval bound = Interval.zeroHits(m);
            assertEquals(0.05, Math.pow(1 - bound.high(), m), 1e-9, "m = " + m);
            assertEquals(0, bound.low());
            assertTrue(bound.upperBoundOnly());
            assertEquals(IntervalKind.ZERO_HIT_BOUND, bound.kind());
        }
        assertEquals(1, Interval.zeroHits(0).high()); // no draw from D: nothing is known
    }

    /** Every defensive-mixture weight p/(α·p + (1 − α)·q) is at most 1/α, and equals it computed directly. */
    @Test
    void defensiveMixtureWeightsAreBoundedByOneOverAlpha() {
        for (double alpha : new double[] {0.01, 0.1, 0.5}) {
            for (double d = -800; d <= 800; d += 0.37) { // d = log q − log p
                double logWeight = -Itgis.mixtureLogDensityRatio(alpha, d);
                assertTrue(logWeight <= -Math.log(alpha) + 1e-12, "alpha " + alpha + ", log q/p " + d);
                if (Math.abs(d) < 50) {
                    double direct = 1 / (alpha + (1 - alpha) * Math.exp(d));
                    assertEquals(direct, Math.exp(logWeight), 1e-12 * direct);
                }
            }
        }
    }

    @Test
    void tuningRefusesOutOfRangeSettingsNamingTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Tuning(0, 0.25, Tuning.Rule.METHOD_DEFAULT)).getMessage()
                .contains("defensive_share (α) must be in (0, 1), got 0.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Tuning(1, 0.25, Tuning.Rule.METHOD_DEFAULT)).getMessage()
                .contains("defensive_share"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Tuning(0.1, 0.6, Tuning.Rule.METHOD_DEFAULT)).getMessage()
                .contains("pilot_fraction must be in (0, 0.5], got 0.6"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Tuning(0.1, 0, Tuning.Rule.METHOD_DEFAULT)).getMessage()
                .contains("pilot_fraction"));
    }
}
