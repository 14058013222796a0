package lpe.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/methods.md#hex-construction on alphabets small enough to work out by hand, worked by hand (docs/methods.md#verification). */
class HexConstructionTest {
    private static final double EPS = 1e-12;

    /**
     * Alphabet {"a", "b", "ab"}, A = 2. By hand, with P = A^-len(next) · (1 − Σ A^-len(m)):
     * (a,a): matches ["b"] → 1/2·1/2 = 1/4; (a,b): "ab" starts with "a"+"b", match "" → 0; (a,ab): [] → 1/4;
     * (b,a): ["b"] → 1/4; (b,b): [] → 1/2; (b,ab): [] → 1/4; (ab,a): ["b"] → 1/4; (ab,b): [] → 1/2;
     * (ab,ab): [] → 1/4. Rows normalised: a → (1/2, 0, 1/2), b and ab → (1/4, 1/2, 1/4).
     * Stationary: π_b = π_b/2 + π_ab/2 gives π_b = π_ab; π_a = π_a/2 + π_b/4 + π_ab/4 gives π_a = π_ab; so 1/3 each.
     */
    @Test
    void appendixA3HandCheckedCase() {
        double[][] p = HexConstruction.transitions(List.of("a", "b", "ab"), 2);
        assertEquals(0.0, p[0][1], 0.0, "the 'ab'-merge transition a -> b is impossible");
        assertArrayEquals(new double[] {0.5, 0, 0.5}, p[0], EPS);
        assertArrayEquals(new double[] {0.25, 0.5, 0.25}, p[1], EPS);
        assertArrayEquals(new double[] {0.25, 0.5, 0.25}, p[2], EPS);
        double[] pi = HexConstruction.stationary(p);
        assertEquals(1.0, pi[0] + pi[1] + pi[2], EPS);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, pi, EPS);
    }

    /**
     * Alphabet {"a", "b", "ab", "abb"}, A = 2, exercising the prefix removal of step 2.
     * (a,b): "ab" gives "" (starts with a+b), "abb" gives "b"; "b" has the different element "" as prefix → [""] → 0.
     * (b,a): "ab" gives "b", "abb" gives "bb"; "bb" has prefix "b" → ["b"] → 1/2·(1 − 1/2) = 1/4.
     * (a,ab): "abb" starts with "ab" → "b" → 1/4·(1 − 1/2) = 1/8; (ab,b): "abb" starts with "ab"+"b" → "" → 0.
     * (a,a): "ab"→"b", "abb"→"bb" → ["b"] → 1/4. (a,abb): [] → 1/8. Row a = (1/4, 0, 1/8, 1/8) → (1/2, 0, 1/4, 1/4).
     * (b,b): []→1/2; (b,ab): ["b"]→1/8; (b,abb): []→1/8. Row b = (1/4, 1/2, 1/8, 1/8), sum 1.
     */
    @Test
    void prefixRemovalHandCheckedCase() {
        List<String> tokens = List.of("a", "b", "ab", "abb");
        assertEquals(List.of(""), HexConstruction.minimalMatches(tokens, "a", "b"));
        assertEquals(List.of("b"), HexConstruction.minimalMatches(tokens, "b", "a"));
        double[][] p = HexConstruction.transitions(tokens, 2);
        assertArrayEquals(new double[] {0.5, 0, 0.25, 0.25}, p[0], EPS);
        assertArrayEquals(new double[] {0.25, 0.5, 0.125, 0.125}, p[1], EPS);
        assertEquals(0.0, p[2][1], 0.0, "ab -> b would have been the token abb");
        double[] pi = HexConstruction.stationary(p);
        double sum = 0;
        for (int j = 0; j < pi.length; j++) {
            double next = 0;
            for (int i = 0; i < pi.length; i++) {
                next += pi[i] * p[i][j];
            }
            assertEquals(pi[j], next, 1e-12, "π P = π at " + j);
            sum += pi[j];
        }
        assertEquals(1.0, sum, EPS);
    }

    /**
     * Duplicates are kept: with prev "c" and next "a", "ab" and "cab" both leave "b", "aa" and "caa" both leave "a".
     * At A = 2 the blocked mass is 4 · 1/2 = 2, so the weight 1/2 · (1 − 2) < 0 is set to 0 (README decision).
     * The rest of row c by hand: (c,c): "caa"→"aa", "cab"→"ab" → 1/2·(1 − 2/4) = 1/4; (c,aa): "caa" → "" → 0;
     * (c,ab): "cab" → "" → 0; (c,caa), (c,cab): no match → 1/8 each. Row sum 1/2, normalised (0, 1/2, 0, 0, 1/4, 1/4).
     */
    @Test
    void duplicateMatchesAreKeptAndANegativeWeightBecomesZero() {
        List<String> tokens = List.of("a", "c", "aa", "ab", "caa", "cab");
        assertEquals(List.of("a", "a", "b", "b"), HexConstruction.minimalMatches(tokens, "c", "a"));
        double[][] p = HexConstruction.transitions(tokens, 2);
        assertArrayEquals(new double[] {0, 0.5, 0, 0, 0.25, 0.25}, p[1], EPS);
    }

    /** Every two-character string over {a, b} plus "a" and "b" (A = 2): each row sums to 1 and is non-negative. */
    @Test
    void aCompleteVocabularyStillGivesAStochasticMatrix() {
        List<String> tokens = List.of("a", "b", "aa", "ab", "ba", "bb", "aab", "bba");
        double[][] p = HexConstruction.transitions(tokens, 2);
        for (double[] row : p) {
            double sum = 0;
            for (double x : row) {
                assertTrue(x >= 0);
                sum += x;
            }
            assertEquals(1.0, sum, EPS);
        }
        double[] pi = HexConstruction.stationary(p);
        assertEquals(1.0, java.util.Arrays.stream(pi).sum(), EPS);
    }

    /** Two closed classes (P = I): no unique stationary distribution, refused with the reason. */
    @Test
    void aReducibleChainIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HexConstruction.stationary(new double[][] {{1, 0}, {0, 1}}));
        assertEquals("the hex transition matrix has no unique stationary distribution", e.getMessage());
    }
}
