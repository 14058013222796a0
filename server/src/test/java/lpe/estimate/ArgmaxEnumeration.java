package lpe.estimate;

import java.util.EnumSet;
import java.util.function.LongConsumer;
import lpe.dist.InputDistribution;
import lpe.engine.Logits;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * Test support: the exact law of the argmax token over every input of a distribution, one forward pass per input
 * (no input limit: unlike {@link ExactEnumeration} this is for the development suite's generator and tests, not for
 * users). Inputs are numbered in mixed radix, the last position fastest ({@link #input}). Per token: p summed in
 * compensated (Kahan) double, and the mass of the inputs where the token's logit lies within {@code tieGap} of
 * the top logit while another token's does too (a near tie that another engine may break the other way). Per input
 * gap bucket ({@link #GAPS}): how many inputs, and how much mass, have their top two logits closer than it.
 */
final class ArgmaxEnumeration {
    static final int BATCH = 512;
    /** The top-two gaps whose inputs are counted. */
    static final double[] GAPS = {1e-6, 1e-5, 1e-4, 1e-3};

    final long inputs;
    final double tieGap;
    final double[] p;
    final double[] nearTieMass;
    long nearTieInputs;
    double nearTieTotal;
    /** Per gap of {@link #GAPS}: the inputs, and their mass, whose top two logits are closer than it. */
    final long[] inputsBelowGap = new long[GAPS.length];
    final double[] massBelowGap = new double[GAPS.length];
    /** The argmax of every input, by index, when kept; else null. */
    final int[] argmax;
    /** The top logit minus the runner-up's of every input, by index, when kept; else null. */
    final float[] gap;
    private final double[] compensation;

    private ArgmaxEnumeration(long inputs, int vocabulary, double tieGap, boolean keepArgmax) {
        this.inputs = inputs;
        this.tieGap = tieGap;
        this.p = new double[vocabulary];
        this.compensation = new double[vocabulary];
        this.nearTieMass = new double[vocabulary];
        this.argmax = keepArgmax ? new int[Math.toIntExact(inputs)] : null;
        this.gap = keepArgmax ? new float[Math.toIntExact(inputs)] : null;
    }

    /**
     * Enumerates every input of {@code d}, keeping each input's argmax and top-two gap if asked (at most 2^31 inputs);
     * {@code progress} gets the number done after each batch.
     */
    static ArgmaxEnumeration run(InputDistribution d, Engine engine, double tieGap, boolean keepArgmax,
            LongConsumer progress) {
        long inputs = d.supportSize();
        if (inputs == Long.MAX_VALUE) {
            throw new IllegalArgumentException("distribution '" + d.name() + "' has more than 2^63 inputs");
        }
        ArgmaxEnumeration e = new ArgmaxEnumeration(inputs, engine.shape().vocabularySize(), tieGap, keepArgmax);
        for (long done = 0; done < inputs; ) {
            int rows = (int) Math.min(BATCH, inputs - done);
            int[][] tokens = new int[rows][];
            double[] probability = new double[rows];
            for (int b = 0; b < rows; b++) {
                tokens[b] = input(d, done + b);
                probability[b] = probability(d, done + b);
            }
            float[][] logits = engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS), null)).logits();
            for (int b = 0; b < rows; b++) {
                e.add(done + b, logits[b], probability[b]);
            }
            done += rows;
            progress.accept(done);
        }
        return e;
    }

    private void add(long index, float[] logits, double probability) {
        int top = Logits.argmax(logits);
        if (argmax != null) {
            argmax[(int) index] = top;
        }
        double y = probability - compensation[top];
        double t = p[top] + y;
        compensation[top] = (t - p[top]) - y;
        p[top] = t;
        int close = 0;
        float second = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < logits.length; v++) {
            close += logits[top] - logits[v] < tieGap ? 1 : 0;
            second = v == top ? second : Math.max(second, logits[v]);
        }
        if (gap != null) {
            gap[(int) index] = logits[top] - second;
        }
        for (int g = 0; g < GAPS.length; g++) {
            if (logits[top] - second < GAPS[g]) {
                inputsBelowGap[g]++;
                massBelowGap[g] += probability;
            }
        }
        if (close > 1) {
            nearTieInputs++;
            nearTieTotal += probability;
            for (int v = 0; v < logits.length; v++) {
                if (logits[top] - logits[v] < tieGap) {
                    nearTieMass[v] += probability;
                }
            }
        }
    }

    /** The input of the given index: position i's support index is digit i, the last position fastest. */
    static int[] input(InputDistribution d, long index) {
        int[] x = new int[d.length()];
        for (int i = d.length() - 1; i >= 0; i--) {
            int size = d.position(i).size();
            x[i] = d.position(i).id((int) (index % size));
            index /= size;
        }
        return x;
    }

    /** The probability of the input of the given index. */
    static double probability(InputDistribution d, long index) {
        double q = 1;
        for (int i = d.length() - 1; i >= 0; i--) {
            int size = d.position(i).size();
            q *= d.position(i).probability((int) (index % size));
            index /= size;
        }
        return q;
    }
}
