package lpe.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

class PositionTest {

    /** A generator whose nextDouble() returns the given values in turn. */
    private static RandomGenerator fixed(double... values) {
        return new RandomGenerator() {
            private int next;

            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return values[next++];
            }
        };
    }

    @Test
    void zeroWeightTokensAreNeverDrawnEvenOnExactTies() {
        // cumulative (0.5, 0.5, 0.5, 1): u = 0.5 ties inside the run of zero-weight tokens 1 and 2
        Position p = new Position(new int[] {10, 11, 12, 13}, new double[] {1, 0, 0, 1});
        assertEquals(3, p.sampleIndex(fixed(0.5)));
        assertEquals(0, p.sampleIndex(fixed(0.0)));
        assertEquals(0, p.sampleIndex(fixed(0.4999999999999999)));
        // a zero-weight tail is never reached, however close to 1 the draw
        Position tail = new Position(new int[] {1, 2, 3}, new double[] {0.1, 0.2, 0});
        assertEquals(1, tail.sampleIndex(fixed(Math.nextDown(1.0))));
        assertEquals(1, tail.sampleIndex(fixed(0.1 / 0.3)));
    }

    /**
     * Frequencies over 200,000 draws for each of 20 seeds: every count is within 5 binomial standard deviations
     * of n·p (a false alarm has probability below 1e-5 per check).
     */
    @Test
    void drawFrequenciesMatchTheProbabilities() {
        double[] weights = {5, 1, 0, 3, 0.5, 0.5};
        Position p = new Position(new int[] {0, 1, 2, 3, 4, 5}, weights);
        int n = 200_000;
        for (int seed = 0; seed < 20; seed++) {
            RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
            int[] counts = new int[weights.length];
            for (int i = 0; i < n; i++) {
                counts[p.sampleIndex(random)]++;
            }
            for (int k = 0; k < weights.length; k++) {
                double q = weights[k] / 10;
                double sd = Math.sqrt(n * q * (1 - q));
                assertEquals(n * q, counts[k], 5 * sd + 1e-9, "seed " + seed + " index " + k);
            }
        }
    }

    @Test
    void badWeightsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Position(new int[] {1}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new Position(new int[] {1, 2}, new double[] {1, -1}));
        assertThrows(IllegalArgumentException.class, () -> new Position(new int[] {1, 2}, new double[] {1}));
    }
}
