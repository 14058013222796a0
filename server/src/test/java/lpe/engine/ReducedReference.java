package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

/**
 * The reduced outputs (argmax, target logits, MHIS's proposal draws, one-hot gradient group sums) computed in double from a
 * transformers reference case and the checkpoint's W_E, and assertions of an engine's outputs against them. Shared by
 * the DJL ({@link ReducedOutputsTest}) and native ({@link NativeEstimatorPassTest}) tests.
 */
final class ReducedReference {
    static final double TOLERANCE = 1e-4;

    private ReducedReference() {}

    static int[] referenceArgmax(FixtureReference.Case ref) {
        int[] out = new int[ref.logits().length];
        for (int r = 0; r < out.length; r++) {
            for (int v = 1; v < ref.logits()[r].length; v++) {
                out[r] = ref.logits()[r][v] > ref.logits()[r][out[r]] ? v : out[r];
            }
        }
        return out;
    }

    static float[] referenceTargetLogits(FixtureReference.Case ref) {
        float[] out = new float[ref.targets().length];
        for (int r = 0; r < out.length; r++) {
            out[r] = ref.logits()[r][ref.targets()[r]];
        }
        return out;
    }

    /**
     * A law over {@code columns} columns for rows of {@code length}: position 0 fixed (no finite prior), the others with
     * random priors, a quarter of them −∞ (outside the support), and the temperature given.
     */
    static ProposalLaw randomLaw(int length, int columns, double temperature, Random random) {
        float[][] logPriors = new float[length][columns];
        for (int i = 0; i < length; i++) {
            for (int k = 0; k < columns; k++) {
                logPriors[i][k] = i == 0 || random.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : (float) (-2 * random.nextDouble());
            }
            if (i > 0) {
                logPriors[i][random.nextInt(columns)] = -0.5f; // at least one proposable column
            }
        }
        return new ProposalLaw(logPriors, temperature);
    }

    /** [rows][q] uniforms in [0, 1). */
    static float[][] uniforms(int rows, int q, Random random) {
        float[][] u = new float[rows][q];
        for (float[] row : u) {
            for (int j = 0; j < q; j++) {
                row[j] = random.nextFloat();
            }
        }
        return u;
    }

    /**
     * The proposal draws against φ computed here in double from the reference gradients [B][T][D] and W_E: each drawn
     * column must be proposable and hold the row's uniform in its cumulative interval (a boundary within 1e-4 counts
     * either way), its log-probability and the reverse column's within 1e-3 (relative above 1); fixed positions give
     * column −1 and 0.
     */
    static void assertProposals(float[][] embedding, float[][][] gradients, int[][] positions, int[] columns,
            Proposals proposals, ProposalDraws got, String what) {
        assertEquals(gradients.length, got.columns().length, what + " proposal rows");
        for (int r = 0; r < gradients.length; r++) {
            assertEquals(positions[r].length, got.columns()[r].length, what + " proposal positions of row " + r);
            for (int q = 0; q < positions[r].length; q++) {
                String at = what + " row " + r + ", position " + positions[r][q];
                double[] logPhi = referenceLogPhi(embedding, gradients[r][positions[r][q]], columns,
                        proposals.law().logPriors()[positions[r][q]], proposals.law().temperature());
                int c = got.columns()[r][q];
                if (logPhi == null) {
                    assertEquals(-1, c, at + ": a fixed position draws no column");
                    assertEquals(0f, got.logProbabilities()[r][q], at + ": a fixed position's log-probability");
                    continue;
                }
                assertTrue(c >= 0 && c < columns.length && logPhi[c] > Double.NEGATIVE_INFINITY,
                        at + ": drew column " + c + ", which is not proposable");
                double below = 0;
                for (int k = 0; k < c; k++) {
                    below += Math.exp(logPhi[k]);
                }
                double u = proposals.uniforms()[r][q];
                assertTrue(below - 1e-4 <= u && u < below + Math.exp(logPhi[c]) + 1e-4, at + ": uniform " + u
                        + " is outside column " + c + "'s cumulative interval [" + below + ", " + (below + Math.exp(logPhi[c])) + ")");
                assertLogClose(logPhi[c], got.logProbabilities()[r][q], at + " log-probability of column " + c);
            }
            int back = proposals.reverseColumns()[r];
            double[] first = referenceLogPhi(embedding, gradients[r][positions[r][0]], columns,
                    proposals.law().logPriors()[positions[r][0]], proposals.law().temperature());
            double expected = back < 0 || first == null ? 0 : first[back];
            assertLogClose(expected, got.reverseLogProbabilities()[r], what + " row " + r + " reverse column " + back);
        }
    }

    /** log φ(v_k) ∝ prior[k] + (W_E[columns[k]] · g)/T over k, in double; null when no prior is finite. */
    private static double[] referenceLogPhi(float[][] embedding, float[] g, int[] columns, float[] prior, double temperature) {
        double[] w = new double[columns.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < w.length; k++) {
            w[k] = prior[k] + dot(embedding[columns[k]], g)[0] / temperature;
            max = Math.max(max, w[k]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return null;
        }
        double total = 0;
        for (double x : w) {
            total += Math.exp(x - max);
        }
        for (int k = 0; k < w.length; k++) {
            w[k] -= max + Math.log(total);
        }
        return w;
    }

    private static void assertLogClose(double expected, float got, String what) {
        boolean close = expected == Double.NEGATIVE_INFINITY ? got == Float.NEGATIVE_INFINITY
                : Math.abs(expected - got) <= 1e-3 * Math.max(1, Math.abs(expected));
        assertTrue(close, what + ": expected " + expected + ", got " + got);
    }

    /** got[g][i][j] = Σ over the rows r of group g of W_E[columns[j]] · g_i(row r), from the reference gradients. */
    static void assertGroupSums(float[][] embedding, float[][][] gradients, int[] groups, int groupCount, int[] columns,
            float[][][] got, String what) {
        int length = gradients[0].length;
        assertEquals(groupCount, got.length, what + " groups");
        for (int g = 0; g < groupCount; g++) {
            assertEquals(length, got[g].length, what + " positions of group " + g);
            for (int i = 0; i < length; i++) {
                for (int j = 0; j < columns.length; j++) {
                    double[] expected = {0, 0};
                    for (int r = 0; r < groups.length; r++) {
                        if (groups[r] == g) {
                            double[] term = dot(embedding[columns[j]], gradients[r][i]);
                            expected[0] += term[0];
                            expected[1] += term[1];
                        }
                    }
                    assertClose(expected, got[g][i][j], what + " sum of group " + g + ", position " + i + ", token " + columns[j]);
                }
            }
        }
    }

    /** {a · b, Σ|a_d b_d|}: the dot product in double, and the scale its rounding errors are relative to. */
    static double[] dot(float[] a, float[] b) {
        double sum = 0;
        double scale = 0;
        for (int d = 0; d < a.length; d++) {
            sum += (double) a[d] * b[d];
            scale += Math.abs((double) a[d] * b[d]);
        }
        return new double[] {sum, scale};
    }

    /** Within TOLERANCE relative to the magnitude of the summed terms (absolute below 1). */
    static void assertClose(double[] expected, float got, String what) {
        double bound = TOLERANCE * Math.max(1, expected[1]);
        assertTrue(Math.abs(expected[0] - got) <= bound, what + ": expected " + expected[0] + ", got " + got + " (bound " + bound + ")");
    }

}
