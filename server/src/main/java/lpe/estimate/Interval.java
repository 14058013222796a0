package lpe.estimate;

/** A 95% confidence interval [low, high] for a probability, and the rules that build one. */
record Interval(double low, double high) {
    static final double Z95 = 1.959963984540054;

    /** Normal (Wald) interval p ± 1.96·se, clipped to [0, 1]. */
    static Interval normal(double p, double stdError) {
        return new Interval(Math.max(0, p - Z95 * stdError), Math.min(1, p + Z95 * stdError));
    }

    /**
     * Log-normal interval p·exp(±1.96·se/p), clipped to [0, 1]: the normal interval of log p̂ by the delta method. For
     * a positive estimator whose distribution is skewed to the right (importance sampling of a rare event) it reaches
     * further above p̂ than below, where the plain normal interval misses.
     */
    static Interval logNormal(double p, double stdError) {
        if (p <= 0) {
            return new Interval(0, 0);
        }
        double factor = Math.exp(Z95 * stdError / p);
        return new Interval(p / factor, Math.min(1, p * factor));
    }

    /**
     * Wilson score interval for k successes in n Bernoulli trials. Unlike the Wald interval it is honest at k = 0:
     * [0, z²/(n + z²)] (≈ 3.84/n), the interval a "rule of three" would give.
     */
    static Interval wilson(long k, long n) {
        double z2 = Z95 * Z95;
        double p = (double) k / n;
        double centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
        double half = Z95 / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Interval(k == 0 ? 0 : Math.max(0, centre - half), k == n ? 1 : Math.min(1, centre + half));
    }
}
