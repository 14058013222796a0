package lpe.estimate;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** A categorical distribution over indices 0..K−1 given by unnormalised log-weights (−∞ allowed, not all). */
final class Categorical {
    private final double[] logProbabilities;
    private final double[] cumulative;

    Categorical(double[] logWeights) {
        double max = max(logWeights);
        logProbabilities = new double[logWeights.length];
        cumulative = new double[logWeights.length];
        double running = 0;
        for (int k = 0; k < logWeights.length; k++) {
            running += Math.exp(logWeights[k] - max);
            cumulative[k] = running;
        }
        double logTotal = max + Math.log(running);
        for (int k = 0; k < logWeights.length; k++) {
            logProbabilities[k] = logWeights[k] - logTotal;
            cumulative[k] /= running;
        }
        // the last index with non-zero probability closes the distribution at exactly 1
        for (int k = logWeights.length - 1; k >= 0; k--) {
            if (logProbabilities[k] > Double.NEGATIVE_INFINITY) {
                Arrays.fill(cumulative, k, cumulative.length, 1.0);
                break;
            }
        }
    }

    /** The largest log-weight; refuses weights that are not finite or all zero. */
    private static double max(double[] logWeights) {
        double max = Double.NEGATIVE_INFINITY;
        for (double w : logWeights) {
            if (Double.isNaN(w) || w == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("categorical weights must be finite and not all zero");
            }
            max = Math.max(max, w);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("categorical weights must be finite and not all zero");
        }
        return max;
    }

    double logProbability(int k) {
        return logProbabilities[k];
    }

    int sample(RandomGenerator random) {
        int k = Arrays.binarySearch(cumulative, random.nextDouble());
        k = k >= 0 ? k + 1 : -k - 1;
        while (logProbabilities[k] == Double.NEGATIVE_INFINITY) { // only on an exact tie with a cumulative value
            k++;
        }
        return k;
    }
}
