package lpe.dist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The hex preset's token frequencies (docs/methods.md#hex-construction): a Markov model of how greedy BPE segments a uniformly random
 * string over an alphabet of size A, and its stationary distribution. Reproduced as stated, quirks included.
 */
final class HexConstruction {
    /** Pivots this small (the entries of I − Pᵀ are at most 1 in size) mean a singular system. */
    private static final double SINGULAR = 1e-12;

    private HexConstruction() {}

    /**
     * Row-normalised transition matrix P[a][b] = Pr(next token h_b | previous token h_a), tokens in the given order
     * (distinct strings).
     *
     * <p>Decision: a weight that comes out negative is set to 0. Duplicate matches (kept, as in the reference) can
     * block more than all continuations, e.g. when every two-character string is a token; the reference would then
     * hand negative probabilities to its sampler. Blocking everything means the transition cannot happen, so 0.
     */
    static double[][] transitions(List<String> tokens, int alphabetSize) {
        int k = tokens.size();
        String[] sorted = tokens.stream().sorted().toArray(String[]::new);
        double[][] p = new double[k][k];
        for (int b = 0; b < k; b++) {
            String next = tokens.get(b);
            List<String> afterNext = suffixes(sorted, next, next);
            for (int a = 0; a < k; a++) {
                List<String> matches = new ArrayList<>(afterNext);
                matches.addAll(suffixes(sorted, tokens.get(a) + next, next));
                double blocked = 0;
                for (String m : minimal(matches)) {
                    blocked += Math.pow(alphabetSize, -m.length());
                }
                p[a][b] = Math.max(0, Math.pow(alphabetSize, -next.length()) * (1 - blocked));
            }
        }
        for (double[] row : p) {
            double rowSum = Arrays.stream(row).sum(); // > 0: a longest token always has a positive weight
            for (int b = 0; b < k; b++) {
                row[b] /= rowSum;
            }
        }
        return p;
    }

    /**
     * The first two steps of the hex construction (docs/methods.md#hex-construction) for one pair: the suffixes left when another token starts with {@code next} or with
     * {@code prev + next} (a multiset: duplicates kept), minus every element that has another, different element
     * as a prefix. Sorted, for comparison.
     */
    static List<String> minimalMatches(List<String> tokens, String prev, String next) {
        String[] sorted = tokens.stream().sorted().toArray(String[]::new);
        List<String> matches = new ArrayList<>(suffixes(sorted, next, next));
        matches.addAll(suffixes(sorted, prev + next, next));
        List<String> minimal = minimal(matches);
        minimal.sort(null);
        return minimal;
    }

    /** The suffixes after {@code prefix} of the tokens (other than {@code next}) that start with it. */
    private static List<String> suffixes(String[] sorted, String prefix, String next) {
        List<String> out = new ArrayList<>();
        int lo = Arrays.binarySearch(sorted, prefix);
        for (int i = lo >= 0 ? lo : -lo - 1; i < sorted.length && sorted[i].startsWith(prefix); i++) {
            if (!sorted[i].equals(next)) {
                out.add(sorted[i].substring(prefix.length()));
            }
        }
        return out;
    }

    /** The elements that have no other, different element as a prefix (duplicates kept). */
    private static List<String> minimal(List<String> matches) {
        Set<String> distinct = new HashSet<>(matches);
        List<String> out = new ArrayList<>();
        for (String m : matches) {
            boolean hasShorterPrefix = false;
            for (int len = 0; len < m.length() && !hasShorterPrefix; len++) {
                hasShorterPrefix = distinct.contains(m.substring(0, len));
            }
            if (!hasShorterPrefix) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * The stationary distribution π of P: (I − Pᵀ) π = 0 with Σ π = 1, solved as the reference does (last row of
     * I − Pᵀ replaced by ones, right-hand side e_K), by Gaussian elimination with partial pivoting. (Row-oriented:
     * commons-math's LU walks columns and took 100 s for K = 3000 hex tokens.)
     *
     * @throws IllegalArgumentException if the chain has no unique stationary distribution
     */
    static double[] stationary(double[][] p) {
        int k = p.length;
        double[][] m = new double[k][k];
        double[] x = new double[k];
        for (int i = 0; i < k - 1; i++) {
            for (int j = 0; j < k; j++) {
                m[i][j] = (i == j ? 1 : 0) - p[j][i];
            }
        }
        Arrays.fill(m[k - 1], 1);
        x[k - 1] = 1;
        for (int col = 0; col < k; col++) {
            int pivot = col;
            for (int r = col + 1; r < k; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            if (!(Math.abs(m[pivot][col]) > SINGULAR)) {
                throw new IllegalArgumentException("the hex transition matrix has no unique stationary distribution");
            }
            double[] swap = m[col];
            m[col] = m[pivot];
            m[pivot] = swap;
            double t = x[col];
            x[col] = x[pivot];
            x[pivot] = t;
            double[] top = m[col];
            for (int r = col + 1; r < k; r++) {
                double f = m[r][col] / top[col];
                if (f != 0) {
                    double[] row = m[r];
                    for (int j = col; j < k; j++) {
                        row[j] -= f * top[j];
                    }
                    x[r] -= f * x[col];
                }
            }
        }
        for (int i = k - 1; i >= 0; i--) {
            double sum = x[i];
            for (int j = i + 1; j < k; j++) {
                sum -= m[i][j] * x[j];
            }
            x[i] = sum / m[i][i];
        }
        return x;
    }
}
