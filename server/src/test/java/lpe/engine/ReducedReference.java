package lpe.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reduced outputs (argmax, target logits, one-hot gradients, their group sums) computed in double from a
 * transformers reference case and the checkpoint's W_E, and assertions of an engine's outputs against them. Shared by
 * the DJL ({@link ReducedOutputsTest}) and native ({@link NativeEstimatorPassTest}) tests.
 */
final class ReducedReference {
    static final double TOLERANCE = 1e-4;

    private ReducedReference() {}

    static int[] referenceArgmax(Reference.Case ref) {
        int[] out = new int[ref.logits().length];
        for (int r = 0; r < out.length; r++) {
            for (int v = 1; v < ref.logits()[r].length; v++) {
                out[r] = ref.logits()[r][v] > ref.logits()[r][out[r]] ? v : out[r];
            }
        }
        return out;
    }

    static float[] referenceTargetLogits(Reference.Case ref) {
        float[] out = new float[ref.targets().length];
        for (int r = 0; r < out.length; r++) {
            out[r] = ref.logits()[r][ref.targets()[r]];
        }
        return out;
    }

    /** got[r][q][j] = W_E[columns[j]] · g_{positions[r][q]}(row r), from the reference gradients [B][T][D]. */
    static void assertOneHot(float[][] embedding, float[][][] gradients, int[][] positions, int[] columns, float[][][] got,
            String what) {
        assertEquals(gradients.length, got.length, what + " one-hot rows");
        for (int r = 0; r < gradients.length; r++) {
            assertEquals(positions[r].length, got[r].length, what + " one-hot positions of row " + r);
            for (int q = 0; q < positions[r].length; q++) {
                assertEquals(columns.length, got[r][q].length);
                for (int j = 0; j < columns.length; j++) {
                    double[] expected = dot(embedding[columns[j]], gradients[r][positions[r][q]]);
                    assertClose(expected, got[r][q][j], what + " one-hot gradient of row " + r + ", position "
                            + positions[r][q] + ", token " + columns[j]);
                }
            }
        }
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
