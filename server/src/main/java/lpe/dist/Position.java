package lpe.dist;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * One position of an input distribution: a finite support of token ids and their probabilities (normalised on
 * construction from non-negative weights). A fixed token is a support of size one.
 */
public final class Position {
    private final int[] ids;
    private final double[] probabilities;
    private final double[] cumulative;

    public Position(int[] ids, double[] weights) {
        if (ids.length == 0 || ids.length != weights.length) {
            throw new IllegalArgumentException("a position needs a non-empty support with one weight per token");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weights must be finite and non-negative, got " + w);
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("weights must not all be zero");
        }
        this.ids = ids.clone();
        this.probabilities = new double[weights.length];
        this.cumulative = new double[weights.length];
        double running = 0;
        int lastPositive = 0;
        for (int k = 0; k < weights.length; k++) {
            probabilities[k] = weights[k] / total;
            running += probabilities[k];
            cumulative[k] = running;
            if (weights[k] > 0) {
                lastPositive = k;
            }
        }
        // close at exactly 1 from the last token that can be drawn, so rounding never reaches a zero-weight tail
        Arrays.fill(cumulative, lastPositive, cumulative.length, 1.0);
    }

    public static Position fixed(int id) {
        return new Position(new int[] {id}, new double[] {1});
    }

    public int size() {
        return ids.length;
    }

    public int id(int k) {
        return ids[k];
    }

    public int[] ids() {
        return ids.clone();
    }

    public double probability(int k) {
        return probabilities[k];
    }

    public double[] probabilities() {
        return probabilities.clone();
    }

    /** Index k in the support of token id, or -1 if the id is not in the support. */
    public int indexOf(int id) {
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] == id) {
                return k;
            }
        }
        return -1;
    }

    /** Draws an index into the support (not a token id); never one whose weight is zero. */
    public int sampleIndex(RandomGenerator random) {
        int k = Arrays.binarySearch(cumulative, random.nextDouble());
        k = k >= 0 ? k + 1 : -k - 1;
        while (probabilities[k] == 0) { // only after an exact tie with a run of equal cumulative values
            k++;
        }
        return k;
    }
}
