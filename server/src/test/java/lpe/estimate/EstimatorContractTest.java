package lpe.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import lpe.dist.InputDistribution;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.engine.Output;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

/** Compute accounting, bad input, cancellation, progress, and the numerical pieces, each against a reference. */
class EstimatorContractTest {
    final ToyEngine engine = new ToyEngine(1, 2.0);
    final InputDistribution distribution = ToyEngine.distribution(2);

    EstimationProblem problem(int target, int budget, double temperature) {
        return new EstimationProblem(distribution, target, new Behavior.Argmax(), budget, temperature, 5);
    }

    @Test
    void mhisCountsBurnInAndEveryChainStepAsForwardAndBackwardPasses() {
        Estimate e = new Mhis(32, 64).run(problem(3, 32 * 10, 1.0), engine, ProgressListener.NONE);
        long paper = 32L * (1 + 64 + 10); // C·(1 + burn-in + n/C)
        // plus the states evaluated again when they outlived their look-ahead of proposal draws (Mhis.Evaluator),
        // plus the defensive share's α·n = 32 forward-only draws from D
        assertEquals(engine.rows, e.forwardPasses());
        assertEquals(engine.rows - 32, e.backwardPasses());
        assertTrue(e.forwardPasses() >= paper, e.forwardPasses() + " passes; at least " + paper);
        assertEquals(320, e.samples());
    }

    /**
     * Every MHIS proposal changes its state at a position whose proposal draw that state was evaluated for (the
     * look-ahead or a re-evaluation of a stale state: Mhis.Evaluator). Low temperature, so most proposals are rejected
     * and many states are evaluated again.
     */
    @Test
    void mhisProposesOnlyWherePositionsWereEvaluated() {
        List<EngineRequest> requests = new ArrayList<>();
        Engine recording = new Engine() {
            public ModelShape shape() {
                return engine.shape();
            }

            public EngineResult run(EngineRequest request) {
                int[][] tokens = Arrays.stream(request.tokens()).map(int[]::clone).toArray(int[][]::new); // as sent
                requests.add(new EngineRequest(tokens, request.outputs(), request.targets(), request.columns(),
                        request.positions(), request.groups(), request.proposals()));
                return engine.run(request);
            }

            public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
                return engine.projectOntoEmbeddings(vectors, ids);
            }

            public float[][] unembedding() {
                return engine.unembedding();
            }
        };
        new Mhis(8, 64).run(problem(3, 8 * 64, 0.05), recording, ProgressListener.NONE);
        Map<List<Integer>, Set<Integer>> evaluatedAt = new HashMap<>(); // state → positions of its proposal draws
        int checked = 0;
        for (EngineRequest request : requests) {
            if (request.positions() == null) { // the defensive share's plain draws: no proposal, no gradient
                assertTrue(request.proposals() == null && !request.outputs().contains(Output.PROPOSALS));
                continue;
            }
            for (int[] row : request.tokens()) {
                if (evaluatedAt.containsKey(Arrays.stream(row).boxed().toList())) {
                    continue; // a state evaluated again, not a proposal
                }
                boolean neighbour = false;
                boolean evaluatedWhereChanged = false;
                for (Map.Entry<List<Integer>, Set<Integer>> state : evaluatedAt.entrySet()) {
                    int changed = onlyDifference(row, state.getKey());
                    if (changed >= 0) {
                        neighbour = true;
                        evaluatedWhereChanged |= state.getValue().contains(changed);
                    }
                }
                if (neighbour) {
                    assertTrue(evaluatedWhereChanged, "a proposal changed a state at a position it was not evaluated at: "
                            + Arrays.toString(row));
                    checked++;
                }
            }
            for (int r = 0; r < request.rows(); r++) {
                evaluatedAt.computeIfAbsent(Arrays.stream(request.tokens()[r]).boxed().toList(), k -> new HashSet<>())
                        .addAll(Arrays.stream(request.positions()[r]).boxed().toList());
            }
        }
        assertTrue(checked >= 50, "only " + checked + " proposals checked");
        long rows = requests.stream().mapToLong(EngineRequest::rows).sum();
        assertTrue(rows > 8L * (1 + 64 + 64) + 50, rows + " rows: states were evaluated again");
    }

    /** The one position where {@code row} differs from {@code state}, or −1 if none or several. */
    private static int onlyDifference(int[] row, List<Integer> state) {
        int changed = -1;
        for (int i = 0; i < row.length; i++) {
            if (row[i] != state.get(i)) {
                if (changed >= 0) {
                    return -1;
                }
                changed = i;
            }
        }
        return changed;
    }

    @Test
    void itgisCountsOneForwardAndOneBackwardPassPerSample() {
        Estimate e = new Itgis().run(problem(3, 1000, 1.0), engine, ProgressListener.NONE);
        assertEquals(1000, e.forwardPasses());
        assertEquals(1000, e.backwardPasses());
        assertEquals(1000, engine.rows);
    }

    @Test
    void activationMethodsAndNaiveUseNoBackwardPasses() {
        for (Estimator m : new Estimator[] {new NaiveSampling(), new Qld(), new Gld()}) {
            engine.rows = 0;
            Estimate e = m.run(problem(3, 1024, Double.NaN), engine, ProgressListener.NONE);
            assertEquals(1024, e.forwardPasses(), m.name());
            assertEquals(0, e.backwardPasses(), m.name());
            assertEquals(1024, engine.rows, m.name());
        }
    }

    /** docs/methods.md#verification: p̂ = Σ I e^{−s/T} / Σ e^{−s/T}, here with scores whose e^{s/T} overflows a double. */
    @Test
    void mhisEstimatorIdentityHoldsInLogSpace() {
        Random r = new Random(3);
        int chains = 4;
        int steps = 50;
        double temperature = 0.5;
        Mhis.Recorded recorded = new Mhis.Recorded(chains, steps, temperature,
                new Mhis.Defensive(1, 0, 0));
        BigDecimal num = BigDecimal.ZERO;
        BigDecimal den = BigDecimal.ZERO;
        MathContext mc = new MathContext(40);
        for (int step = 0; step < steps; step++) {
            double[] s = new double[chains];
            double[] v = new double[chains];
            for (int c = 0; c < chains; c++) {
                s[c] = 600 + 40 * r.nextGaussian(); // e^{−s/T} ≈ e^{−1200}: underflows without the shift
                v[c] = r.nextDouble() < 0.3 ? 1 : 0;
                BigDecimal w = exp(-s[c] / temperature, mc);
                num = num.add(w.multiply(BigDecimal.valueOf(v[c])), mc);
                den = den.add(w, mc);
            }
            recorded.add(step, s, v);
        }
        Estimate e = recorded.estimate("mhis", System.nanoTime(), problem(0, 1, 1), 0);
        assertEquals(num.divide(den, mc).doubleValue(), e.estimate(), 1e-12);
    }

    /** e^x for large negative x as a BigDecimal: e^{x} = (e^{x/k})^k with x/k in double range. */
    private static BigDecimal exp(double x, MathContext mc) {
        int k = 64;
        return new BigDecimal(Math.exp(x / k), mc).pow(k, mc);
    }

    @Test
    void logNormalCdfMatchesCommonsMathDeepInTheTail() {
        NormalDistribution normal = new NormalDistribution();
        for (double z = -37; z <= 5; z += 0.25) {
            double reference = Math.log(normal.cumulativeProbability(z));
            assertEquals(reference, LogMath.logNormalCdf(z), 1e-9 * Math.max(1, Math.abs(reference)), "z = " + z);
        }
        // beyond double range of Φ itself: references from mpmath (30 digits), log(ncdf(z))
        assertEquals(-707.668989317507191, LogMath.logNormalCdf(-37.5), 1e-9);
        assertEquals(-804.608442013753788, LogMath.logNormalCdf(-40), 1e-9);
        assertEquals(-5005.52420869420509, LogMath.logNormalCdf(-100), 1e-9);
    }

    @Test
    void wilsonIntervalMatchesTheClosedFormAndZeroHitsGiveTheExactOneSidedBound() {
        Interval zero = Interval.wilson(0, 1000);
        assertEquals(0, zero.low());
        // no hit in 1000 draws: P(no hit | p) = (1 − p)^1000 = 0.05 at p = 1 − 0.05^{1/1000} = 0.0029912
        assertEquals(0.0029912, zero.high(), 1e-7);
        assertTrue(zero.upperBoundOnly());
        assertEquals(IntervalKind.ZERO_HIT_BOUND, zero.kind());
        // k = 10, n = 100: the textbook Wilson interval is [0.0552, 0.1744]
        Interval ten = Interval.wilson(10, 100);
        assertEquals(0.0552, ten.low(), 1e-4);
        assertEquals(0.1744, ten.high(), 1e-4);
    }

    @Test
    void toyGradientsMatchFiniteDifferences() {
        int[] x = distribution.sample(new java.util.SplittableRandom(1));
        int target = 7;
        var result = engine.run(new lpe.engine.EngineRequest(new int[][] {x},
                java.util.EnumSet.of(lpe.engine.Output.EMBEDDING_GRADIENTS, lpe.engine.Output.LOGITS), new int[] {target}));
        // h_i(x)(v) − h_i(x)(x_i) predicts logit change when position 0 switches; compare with the true change for a
        // tiny step along W_E[v] − W_E[x_0]: linearity in the embedding makes the difference quotient exact to O(ε).
        float[] projected = engine.projectOntoEmbeddings(new float[][] {result.embeddingGradients()[0][0]}, new int[] {x[0], 11})[0];
        double eps = 1e-4;
        double[] base = engine.hidden(x);
        double s0 = engine.logits(base)[target];
        double s1 = perturbedLogit(x, 11, eps, target);
        assertEquals(projected[1] - projected[0], (s1 - s0) / eps, 2e-3);
    }

    private double perturbedLogit(int[] x, int v, double eps, int target) {
        // logit at embeddings E[x_0] + ε(E[v] − E[x_0]) in position 0: mix the two inputs' hidden pre-activations
        double[] a0 = engine.hidden(x);
        int[] y = x.clone();
        y[0] = v;
        // the pre-activation is affine in the summed embedding, so atanh interpolates it exactly
        double[] a1 = engine.hidden(y);
        double[] a = new double[a0.length];
        for (int o = 0; o < a.length; o++) {
            double z0 = atanh(a0[o]);
            double z1 = atanh(a1[o]);
            a[o] = Math.tanh(z0 + eps * (z1 - z0));
        }
        return engine.logits(a)[target];
    }

    private static double atanh(double a) {
        return 0.5 * Math.log((1 + a) / (1 - a));
    }

    @Test
    void badInputIsRefusedWithTheFieldAndTheReason() {
        assertMessage(() -> new Itgis().run(problem(3, 0, 1), engine, ProgressListener.NONE), "budget must be a positive");
        assertMessage(() -> new NaiveSampling().run(problem(3, -5, 1), engine, ProgressListener.NONE), "budget must be a positive number of samples, got -5");
        assertMessage(() -> new NaiveSampling().run(problem(3, Integer.MAX_VALUE, 1), engine, ProgressListener.NONE), "is absurd");
        assertMessage(() -> new Itgis().run(problem(3, 100, -1), engine, ProgressListener.NONE), "temperature must be in (0, 1000.0]");
        assertMessage(() -> new Mhis().run(problem(3, 100, 1e9), engine, ProgressListener.NONE), "temperature must be in");
        assertMessage(() -> new Mhis().run(problem(3, 100, Double.POSITIVE_INFINITY), engine, ProgressListener.NONE), "temperature");
        assertMessage(() -> new Itgis().run(problem(30, 100, 1), engine, ProgressListener.NONE), "target id 30 is outside the vocabulary [0, 30)");
        assertMessage(() -> new Itgis().run(problem(-1, 100, 1), engine, ProgressListener.NONE), "target id -1 is outside");
        assertMessage(() -> new Mhis().run(problem(3, 31, 1), engine, ProgressListener.NONE), "below the number of MHIS chains (32)");
        assertMessage(() -> Estimators.byName("magic", false), "method 'magic' is unknown; use one of naive, itgis, itgis-ce, mhis, qld, gld, auto");
        assertMessage(() -> Behavior.parse("sample:-1"), "temperature must be in (0, 1e6]");
        EstimationProblem sampling = new EstimationProblem(distribution, 3, new Behavior.Sample(1), 512, 1, 1);
        assertMessage(() -> new Qld().run(sampling, engine, ProgressListener.NONE), "qld extrapolates the argmax behaviour only");
        List<lpe.dist.Position> wide = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            wide.add(distribution.position(i));
        }
        wide.add(distribution.position(0));
        wide.add(distribution.position(0));
        InputDistribution tooLarge = new InputDistribution("wide", wide);
        assertMessage(() -> new ExactEnumeration().run(
                new EstimationProblem(tooLarge, 3, new Behavior.Argmax(), 1, Double.NaN, 0), new ToyEngine(1, 1) {
                    @Override
                    public lpe.engine.ModelShape shape() {
                        return new lpe.engine.ModelShape(30, 16, 6);
                    }
                }, ProgressListener.NONE),
                "distribution 'wide' has 64000000 inputs, too many to enumerate; exact enumeration is limited to 2^22");
        InputDistribution tooLong = new InputDistribution("long", wide);
        assertMessage(() -> new NaiveSampling().run(
                new EstimationProblem(tooLong, 3, new Behavior.Argmax(), 10, Double.NaN, 0), engine, ProgressListener.NONE),
                "has 6 positions but the model's context is 4");
    }

    private static void assertMessage(Runnable action, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void everyEstimatorReportsProgressPerBatchAndStopsWhenInterrupted() {
        for (Estimator m : new Estimator[] {new NaiveSampling(), new Itgis(), new Mhis(32, 4), new Qld(), new Gld(), new ExactEnumeration()}) {
            AtomicReference<Estimate> last = new AtomicReference<>();
            List<Long> done = new ArrayList<>();
            ProgressListener interruptAfterFirst = (samples, budget, partial) -> {
                done.add(samples);
                last.set(partial);
                Thread.currentThread().interrupt();
            };
            try {
                assertThrows(CancellationException.class,
                        () -> m.run(problem(3, 4096, 1.0), engine, interruptAfterFirst), m.name());
            } finally {
                Thread.interrupted(); // clear the flag for the next test
            }
            assertEquals(1, done.size(), m.name() + " should stop at the first check after the interrupt");
            assertEquals(m.name(), last.get().method());
        }
    }
}
