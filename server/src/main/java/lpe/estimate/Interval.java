package lpe.estimate;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/**
 * A 95% confidence interval [low, high] for a probability, its kind, and the rules that build one. {@code
 * upperBoundOnly} marks a result with no hit: the estimate is 0 and {@code high} is a one-sided 95% upper bound.
 */
record Interval(double low, double high, IntervalKind kind, boolean upperBoundOnly) {
    static final double Z95 = 1.959963984540054;
    /** Nothing known: the whole range, kind NONE. */
    static final Interval NONE = new Interval(0, 1, IntervalKind.NONE, false);

    static Interval exact(double p) {
        return new Interval(p, p, IntervalKind.EXACT, false);
    }

    /** Normal (Wald) interval p ± 1.96·se, clipped to [0, 1]. */
    static Interval normal(double p, double stdError) {
        return new Interval(Math.max(0, p - Z95 * stdError), Math.min(1, p + Z95 * stdError), IntervalKind.NORMAL,
                false);
    }

    /**
     * Wilson score interval for k successes in n Bernoulli trials; at k = 0 the one-sided bound of {@link
     * #zeroHits(long)} instead, since with no hit only the upper end says anything.
     */
    static Interval wilson(long k, long n) {
        if (k == 0) {
            return zeroHits(n);
        }
        double z2 = Z95 * Z95;
        double p = (double) k / n;
        double centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
        double half = Z95 / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Interval(Math.max(0, centre - half), k == n ? 1 : Math.min(1, centre + half), IntervalKind.BINOMIAL,
                false);
    }

    /**
     * No hit in m independent draws from the input distribution itself: p ≤ 1 − 0.05^{1/m} (≈ 3/m) with 95%
     * confidence, the exact one-sided Clopper–Pearson bound. With m = 0 nothing is known: [0, 1].
     */
    static Interval zeroHits(long m) {
        double bound = m == 0 ? 1 : -Math.expm1(Math.log(0.05) / m);
        return new Interval(0, bound, IntervalKind.ZERO_HIT_BOUND, true);
    }

    /**
     * Fay &amp; Feuer's (1997) gamma interval for y = Σ w_j X_j, a weighted sum of independent rare counts, given y, an
     * unbiased estimate v of its variance, and a bound wMax on one term's weight. The lower end is the 2.5% point of
     * a gamma distribution with mean y and variance v; the upper end the 97.5% point of one with mean y + wMax and
     * variance v + wMax² (the "one more hit of the largest weight" continuity correction that keeps it conservative
     * when hits are few). For y = v = 0 it would give (0, ≈3.7·wMax), but zero hits are reported by {@link
     * #zeroHits(long)} instead. With equal weights 1/n it is Garwood's exact Poisson interval.
     */
    static Interval weightedGamma(double y, double v, double wMax) {
        if (!(y > 0)) {
            throw new IllegalArgumentException("the gamma interval needs a positive estimate, got " + y);
        }
        double low = v > 0 ? v / (2 * y) * chiSquaredQuantile(2 * y * y / v, 0.025) : y;
        double yUp = y + wMax;
        double vUp = v + wMax * wMax;
        double high = vUp / (2 * yUp) * chiSquaredQuantile(2 * yUp * yUp / vUp, 0.975);
        return new Interval(low, Math.min(1, high), IntervalKind.WEIGHTED_GAMMA, false);
    }

    private static double chiSquaredQuantile(double degreesOfFreedom, double probability) {
        return new ChiSquaredDistribution(null, degreesOfFreedom).inverseCumulativeProbability(probability);
    }
}
