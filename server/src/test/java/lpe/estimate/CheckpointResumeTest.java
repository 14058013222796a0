package lpe.estimate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import lpe.dist.InputDistribution;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every estimator resumed from any of its saved states finishes with exactly (bit for bit, seconds aside) the estimate
 * of an uninterrupted run, and saving states changes nothing. The reference is the uninterrupted run with no
 * checkpoints at all; the toy engine is deterministic.
 */
class CheckpointResumeTest {
    static ToyEngine engine;
    static InputDistribution distribution;
    static double[] exact;

    @BeforeAll
    static void setUp() {
        engine = new ToyEngine(1, 2.0);
        distribution = ToyEngine.distribution(2);
        exact = engine.exact(distribution, new Behavior.Argmax());
    }

    /** Saves a state at every batch boundary and keeps them all; resumes from {@code restored}. */
    private static final class Recording implements Checkpoints {
        final List<byte[]> saved = new ArrayList<>();
        final byte[] restored;

        Recording(byte[] restored) {
            this.restored = restored;
        }

        @Override
        public byte[] restored() {
            return restored;
        }

        @Override
        public boolean due() {
            return true;
        }

        @Override
        public void save(byte[] state) {
            saved.add(state);
        }
    }

    static Estimate withoutSeconds(Estimate e) {
        return new Estimate(e.method(), e.estimate(), e.stdError(), e.ci95Low(), e.ci95High(), e.intervalKind(),
                e.upperBoundOnly(), e.ess(), e.samples(), e.forwardPasses(), e.backwardPasses(), 0, e.seed());
    }

    /** The uninterrupted estimate; asserts that resuming from each of several saved states gives it again. */
    static Estimate assertResumesExactly(Supplier<Estimator> method, EstimationProblem problem) {
        Estimate reference = withoutSeconds(method.get().run(problem, engine, ProgressListener.NONE));
        Recording saving = new Recording(null);
        assertEquals(reference, withoutSeconds(method.get().run(problem, engine, ProgressListener.NONE, saving)),
                "saving states must not change the run");
        int states = saving.saved.size();
        assertTrue(states >= 3, method.get().name() + " saved only " + states + " states");
        for (int k : new int[] {0, 1, states / 3, states / 2, states - 2, states - 1}) {
            Recording resumed = new Recording(saving.saved.get(k));
            assertEquals(reference, withoutSeconds(method.get().run(problem, engine, ProgressListener.NONE, resumed)),
                    method.get().name() + " resumed from state " + k + " of " + states);
            assertTrue(resumed.saved.size() <= states - k, "a resumed run does not redo saved work");
        }
        return reference;
    }

    static int targetNear(double p) {
        return IntStream.range(0, ToyEngine.VOCABULARY).boxed()
                .min((a, b) -> Double.compare(Math.abs(Math.log(exact[a] / p)), Math.abs(Math.log(exact[b] / p))))
                .orElseThrow();
    }

    static EstimationProblem problem(int target, int budget, long seed) {
        return new EstimationProblem(distribution, target, new Behavior.Argmax(), budget, Double.NaN, seed);
    }

    @Test
    void naiveResumesExactly() {
        assertResumesExactly(NaiveSampling::new, problem(targetNear(1e-2), 4096, 3));
    }

    @Test
    void naiveOnTemperatureSamplingResumesExactly() {
        assertResumesExactly(NaiveSampling::new, new EstimationProblem(distribution, targetNear(1e-2),
                new Behavior.Sample(1.0), 2048, Double.NaN, 4));
    }

    @Test
    void itgisWithTheTableTemperatureResumesExactly() {
        assertResumesExactly(Itgis::new, problem(targetNear(1e-3), 2048, 5));
    }

    @Test
    void itgisCeThroughAndAfterItsAdaptivePilotsResumesExactly() {
        assertResumesExactly(() -> new Itgis(true), problem(targetNear(1e-3), 8192, 6));
    }

    @Test
    void mhisThroughItsDefensiveShareAndItsChainsResumesExactly() {
        // 8 chains, 16 burn-in steps, budget 4096: 512 chain steps, and a defensive share of 410 draws (2 batches)
        assertResumesExactly(() -> new Mhis(8, 16), problem(targetNear(1e-3), 4096, 7));
        Recording saving = new Recording(null);
        new Mhis(8, 16).run(problem(targetNear(1e-3), 4096, 7), engine, ProgressListener.NONE, saving);
        Estimate fromDefensiveState = new Mhis(8, 16).run(problem(targetNear(1e-3), 4096, 7), engine,
                ProgressListener.NONE, new Recording(saving.saved.get(0)));
        assertEquals(withoutSeconds(new Mhis(8, 16).run(problem(targetNear(1e-3), 4096, 7), engine,
                ProgressListener.NONE)), withoutSeconds(fromDefensiveState), "resumed inside the defensive share");
    }

    @Test
    void qldAndGldResumeExactly() {
        assertResumesExactly(Qld::new, problem(targetNear(1e-3), 4096, 8));
        assertResumesExactly(Gld::new, problem(targetNear(1e-3), 4096, 9));
    }

    @Test
    void autoResumesExactlyInItsItgisCePhaseAndInItsMhisPhase() {
        Estimate withHits = assertResumesExactly(Auto::new, problem(targetNear(1e-2), 4096, 10));
        assertEquals("auto:itgis-ce", withHits.method());
        int rarest = IntStream.range(0, ToyEngine.VOCABULARY).boxed()
                .min((a, b) -> Double.compare(exact[a], exact[b])).orElseThrow();
        Estimate withoutHits = assertResumesExactly(Auto::new, problem(rarest, 2048, 11));
        assertEquals("auto:mhis", withoutHits.method(), "the pilots must find too few hits on the rarest target");
    }

    @Test
    void exactEnumerationResumesExactly() {
        assertResumesExactly(ExactEnumeration::new, problem(targetNear(1e-2), 1, 0));
    }

    @Test
    void aStateOfAnotherMethodOrATruncatedOneIsRefused() {
        Recording naive = new Recording(null);
        new NaiveSampling().run(problem(3, 1024, 1), engine, ProgressListener.NONE, naive);
        byte[] state = naive.saved.get(0);
        UnusableCheckpointException other = assertThrows(UnusableCheckpointException.class,
                () -> new Gld().run(problem(3, 1024, 1), engine, ProgressListener.NONE, new Recording(state)));
        assertEquals("the checkpoint is a state of naive version 1, not of gld version 1", other.getMessage());
        byte[] truncated = Arrays.copyOf(state, state.length - 3);
        assertThrows(UnusableCheckpointException.class,
                () -> new NaiveSampling().run(problem(3, 1024, 1), engine, ProgressListener.NONE,
                        new Recording(truncated)));
    }

    @Test
    void splitMixDrawsWhatSplittableRandomDraws() {
        for (long seed : new long[] {0, 1, -7, 123456789L}) {
            SplittableRandom want = new SplittableRandom(seed);
            SplitMix got = new SplitMix(seed);
            for (int i = 0; i < 2000; i++) {
                assertEquals(want.nextLong(), got.nextLong());
                assertEquals(want.nextInt(), got.nextInt());
                assertEquals(want.nextDouble(), got.nextDouble());
                assertEquals(want.nextInt(1 + i), got.nextInt(1 + i));
                assertEquals(want.nextInt(3, 17 + i), got.nextInt(3, 17 + i));
                assertEquals(want.nextLong(1L << 40), got.nextLong(1L << 40));
            }
            assertArrayEquals(want.ints(64, 0, 7).toArray(), IntStream.range(0, 64).map(i -> got.nextInt(0, 7)).toArray());
            SplittableRandom wantChild = want.split();
            SplitMix gotChild = got.split();
            for (int i = 0; i < 100; i++) {
                assertEquals(wantChild.nextLong(), gotChild.nextLong());
                assertEquals(want.nextLong(), got.nextLong());
            }
        }
    }
}
