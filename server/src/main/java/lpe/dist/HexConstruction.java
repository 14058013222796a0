package lpe.dist;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularMatrixException;

/**
 * The hex preset's token frequencies (METHODS.md §2.3): a Markov model of how greedy BPE segments a uniformly random
 * string over an alphabet of size A, and its stationary distribution. Reproduced as stated, quirks included.
 */
final class HexConstruction {
    private HexConstruction() {}

    /**
     * Row-normalised transition matrix P[a][b] = Pr(next token h_b | previous token h_a), tokens in the given order.
     *
     * @throws IllegalArgumentException if a transition weight is negative: duplicate matches (kept, as in the
     *     reference) can block more than all of the mass, which no Markov chain can represent
     */
    static double[][] transitions(List<String> tokens, int alphabetSize) {
        int k = tokens.size();
        double[][] p = new double[k][k];
        for (int a = 0; a < k; a++) {
            String prev = tokens.get(a);
            double rowSum = 0;
            for (int b = 0; b < k; b++) {
                String next = tokens.get(b);
                double blocked = 0;
                for (String m : minimalMatches(tokens, prev, next)) {
                    blocked += Math.pow(alphabetSize, -m.length());
                }
                p[a][b] = Math.pow(alphabetSize, -next.length()) * (1 - blocked);
                if (p[a][b] < 0) {
                    throw new IllegalArgumentException("the hex construction gives a negative transition weight from '"
                            + prev + "' to '" + next + "' (its matches block more than all strings)");
                }
                rowSum += p[a][b];
            }
            for (int b = 0; b < k; b++) {
                p[a][b] /= rowSum;
            }
        }
        return p;
    }

    /**
     * Steps 1 and 2 of §2.3: the suffixes left when a longer token starts with {@code next} or with
     * {@code prev + next} (a list: duplicates kept), minus every element that has another, different element as a
     * prefix.
     */
    static List<String> minimalMatches(List<String> tokens, String prev, String next) {
        List<String> matches = new ArrayList<>();
        for (String o : tokens) {
            if (o.equals(next)) {
                continue;
            }
            if (o.startsWith(next)) {
                matches.add(o.substring(next.length()));
            }
            if (o.startsWith(prev + next)) {
                matches.add(o.substring(prev.length() + next.length()));
            }
        }
        List<String> minimal = new ArrayList<>();
        for (String m : matches) {
            if (matches.stream().noneMatch(other -> !other.equals(m) && m.startsWith(other))) {
                minimal.add(m);
            }
        }
        return minimal;
    }

    /**
     * The stationary distribution π of P: (I − Pᵀ) π = 0 with Σ π = 1, solved as the reference does (last row of
     * I − Pᵀ replaced by ones, right-hand side e_K).
     *
     * @throws IllegalArgumentException if the chain has no unique stationary distribution
     */
    static double[] stationary(double[][] p) {
        int k = p.length;
        RealMatrix system = new Array2DRowRealMatrix(k, k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                system.setEntry(i, j, (i == j ? 1 : 0) - p[j][i]);
            }
        }
        double[] rhs = new double[k];
        for (int j = 0; j < k; j++) {
            system.setEntry(k - 1, j, 1);
        }
        rhs[k - 1] = 1;
        try {
            return new LUDecomposition(system).getSolver().solve(new ArrayRealVector(rhs)).toArray();
        } catch (SingularMatrixException e) {
            throw new IllegalArgumentException("the hex transition matrix has no unique stationary distribution");
        }
    }
}
