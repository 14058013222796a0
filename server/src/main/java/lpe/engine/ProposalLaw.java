package lpe.engine;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * MHIS's gradient-informed proposal (docs/methods.md#mhis) over a request's columns v_k:
 * φ_i(v_k | x) ∝ exp(logPriors[i][k] + h_i(x)(v_k) / temperature), where logPriors[i][k] = log p_i(v_k), −∞ for
 * the columns outside position i's support. A position whose row has no finite entry is fixed: {@link #draw} gives
 * column −1 with log-probability 0 there (the proposal keeps the current token).
 *
 * <p>One law serves every row of a job, so requests compare laws often (the Batcher fuses only requests of one law):
 * a law is compared by a SHA-256 digest of its contents, computed once.
 */
public final class ProposalLaw {
    private final float[][] logPriors;
    private final double temperature;
    private final byte[] digest;

    public ProposalLaw(float[][] logPriors, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("proposal temperature must be positive and finite, got " + temperature);
        }
        if (logPriors.length == 0) {
            throw new IllegalArgumentException("proposal log-priors have no positions");
        }
        int k = logPriors[0].length;
        for (int i = 0; i < logPriors.length; i++) {
            if (logPriors[i].length != k) {
                throw new IllegalArgumentException("proposal log-priors of position " + i + " have " + logPriors[i].length
                        + " columns; expected " + k);
            }
            for (int j = 0; j < k; j++) {
                float v = logPriors[i][j];
                if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("proposal log-prior of position " + i + ", column " + j + " is "
                            + v + "; expected a finite value or -Infinity (outside the support)");
                }
            }
        }
        this.logPriors = logPriors;
        this.temperature = temperature;
        this.digest = digestOf(logPriors, temperature);
    }

    /** [T][K]: log p_i(v_k), −∞ outside position i's support. */
    public float[][] logPriors() {
        return logPriors;
    }

    public double temperature() {
        return temperature;
    }

    public int positions() {
        return logPriors.length;
    }

    public int columns() {
        return logPriors[0].length;
    }

    /** Whether no column can be proposed at {@code position}. */
    public boolean isFixed(int position) {
        for (float v : logPriors[position]) {
            if (v > Float.NEGATIVE_INFINITY) {
                return false;
            }
        }
        return true;
    }

    /**
     * The draw from φ_position(· | x) given h = h_position(x)(v_k) for every column k and a uniform u in [0, 1): the
     * smallest k whose cumulative probability exceeds u, and its log-probability; {-1, 0} at a fixed position.
     * Computed in double; engines without device-side sampling use it.
     */
    public Draw draw(float[] h, int position, float u) {
        double[] logPhi = logProbabilities(h, position);
        if (logPhi == null) {
            return new Draw(-1, 0);
        }
        double running = 0;
        int last = -1;
        for (int k = 0; k < logPhi.length; k++) {
            if (logPhi[k] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            last = k;
            running += Math.exp(logPhi[k]);
            if (running > u) {
                return new Draw(k, (float) logPhi[k]);
            }
        }
        return new Draw(last, (float) logPhi[last]); // u beyond the rounded total: the last proposable column
    }

    /** log φ_position(v_column | x) given h; 0 at a fixed position. */
    public float logProbability(float[] h, int position, int column) {
        double[] logPhi = logProbabilities(h, position);
        return logPhi == null ? 0 : (float) logPhi[column];
    }

    /** log φ_position(v_k | x) for every k, in double; null at a fixed position. */
    private double[] logProbabilities(float[] h, int position) {
        float[] prior = logPriors[position];
        double[] w = new double[prior.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < w.length; k++) {
            w[k] = prior[k] + h[k] / temperature;
            max = Math.max(max, w[k]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return null;
        }
        double total = 0;
        for (double x : w) {
            total += Math.exp(x - max);
        }
        double logTotal = max + Math.log(total);
        for (int k = 0; k < w.length; k++) {
            w[k] -= logTotal;
        }
        return w;
    }

    /** A drawn column (−1 at a fixed position) and its log-probability under φ. */
    public record Draw(int column, float logProbability) {}

    @Override
    public boolean equals(Object o) {
        return o instanceof ProposalLaw other && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    private static byte[] digestOf(float[][] logPriors, double temperature) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES + 2 * Integer.BYTES + 4 * logPriors.length * logPriors[0].length);
            buffer.putLong(Double.doubleToLongBits(temperature)).putInt(logPriors.length).putInt(logPriors[0].length);
            for (float[] row : logPriors) {
                for (float v : row) {
                    buffer.putFloat(v);
                }
            }
            return sha.digest(buffer.array());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
