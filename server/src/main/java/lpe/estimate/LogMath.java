package lpe.estimate;

/** Log-space arithmetic for probabilities too small (or weights too large) for plain doubles. */
final class LogMath {
    private LogMath() {}

    /** log Σ exp(values[k]); −∞ for an empty array or all −∞. */
    static double logSumExp(double[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** log Φ(z) for the standard normal CDF, accurate far into the lower tail (docs/methods.md#gld). */
    static double logNormalCdf(double z) {
        if (z > -37) { // erfc stays a normal double down to here (Φ(−37) ≈ 6e−300)
            return Math.log(normalCdf(z));
        }
        // Asymptotic series of the Mills ratio: Φ(z) = φ(z)/|z| · (1 − 1/z² + 3/z⁴ − 15/z⁶ + …)
        double z2 = z * z;
        double series = 1 - 1 / z2 + 3 / (z2 * z2) - 15 / (z2 * z2 * z2) + 105 / (z2 * z2 * z2 * z2);
        return -z2 / 2 - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log(series);
    }

    /** Φ(z), the standard normal CDF. */
    static double normalCdf(double z) {
        return 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
    }

    /** φ(z), the standard normal density. */
    static double normalDensity(double z) {
        return Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    }
}
