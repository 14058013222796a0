package lpe.estimate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lpe.dist.InputDistribution;
import org.junit.jupiter.api.Test;

/** Ground-truth counts: agree with the toy model's exact probabilities, and resuming anywhere changes nothing. */
class GroundTruthTest {
    final ToyEngine engine = new ToyEngine(1, 2.0);
    final InputDistribution d = ToyEngine.distribution(2);

    @Test
    void countsMatchExactProbabilitiesWithinFourStandardDeviations() {
        int n = 200_000;
        long[] counts = new long[ToyEngine.VOCABULARY];
        GroundTruth.count(d, engine, 9, 0, n, counts, done -> {});
        assertEquals(n, Arrays.stream(counts).sum());
        double[] exact = engine.exact(d, new Behavior.Argmax());
        for (int t = 0; t < counts.length; t++) {
            double sd = Math.sqrt(n * exact[t] * (1 - exact[t]));
            assertTrue(Math.abs(counts[t] - n * exact[t]) <= 4 * sd + 1,
                    "token " + t + ": " + counts[t] + " counted, " + n * exact[t] + " expected");
        }
    }

    @Test
    void resumingInsideOrAcrossChunksGivesTheSameCountsAsOneRun() {
        long total = GroundTruth.CHUNK + 3000;
        long[] once = new long[ToyEngine.VOCABULARY];
        GroundTruth.count(d, engine, 4, 0, total, once, done -> {});
        long[] pieces = new long[ToyEngine.VOCABULARY];
        List<Long> checkpoints = new ArrayList<>();
        GroundTruth.count(d, engine, 4, 0, 1000, pieces, checkpoints::add);
        GroundTruth.count(d, engine, 4, 1000, GroundTruth.CHUNK + 7, pieces, done -> {});
        GroundTruth.count(d, engine, 4, GroundTruth.CHUNK + 7, total, pieces, done -> {});
        assertArrayEquals(once, pieces);
        assertEquals(List.of(512L, 1000L), checkpoints);
        long[] otherSeed = new long[ToyEngine.VOCABULARY];
        GroundTruth.count(d, engine, 5, 0, total, otherSeed, done -> {});
        assertTrue(!Arrays.equals(once, otherSeed), "another seed must draw other samples");
    }
}
