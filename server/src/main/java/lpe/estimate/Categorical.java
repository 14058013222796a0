package lpe.estimate;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** A categorical distribution over indices 0..K−1 given by unnormalised log-weights (−∞ allowed, not all). */
final class Categorical {
    private final double[] logProbabilities;
    private final double[] cumulative;

    Categorical(double[] logWeights) {
        double logTotal = LogMath.logSumExp(logWeights);
        if (!(logTotal > Double.NEGATIVE_INFINITY) || Double.isNaN(logTotal) || Double.isInfinite(logTotal)) {
            throw new IllegalArgumentException("categorical weights must be finite and not all zero");
        }
        logProbabilities = new double[logWeights.length];
        cumulative = new double[logWeights.length];
        double running = 0;
        for (int k = 0; k < logWeights.length; k++) {
            logProbabilities[k] = logWeights[k] - logTotal;
            running += Math.exp(logProbabilities[k]);
            cumulative[k] = running;
        }
        // the last index with non-zero probability closes the distribution at exactly 1
        for (int k = logWeights.length - 1; k >= 0; k--) {
            if (logProbabilities[k] > Double.NEGATIVE_INFINITY) {
                Arrays.fill(cumulative, k, cumulative.length, 1.0);
                break;
            }
        }
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
