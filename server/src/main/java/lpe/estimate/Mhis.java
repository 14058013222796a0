package lpe.estimate;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.SplittableRandom;
import lpe.dist.InputDistribution;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;

/**
 * MHIS, METHODS.md §3.2: C chains of Metropolis–Hastings on π(x) ∝ p(x)·exp(s(x)/T) with a gradient-informed
 * single-position proposal, then the self-normalised estimate p̂ = Σ value·e^{−s/T} / Σ e^{−s/T} over the recorded
 * states. Consistent, not unbiased.
 *
 * <p>Uncertainty: the chains are independent, so p̂ is a ratio of sums over C i.i.d. chain totals (N_c, D_c); the
 * standard error is the ratio estimator's, √(C/(C−1)·Σ_c (N_c − p̂·D_c)²) / Σ_c D_c, which includes the chains'
 * autocorrelation. The interval is normal, clipped to [0, 1]. ESS is the number of independent draws from π that
 * would give the same variance: n·(i.i.d. self-normalised variance) / (between-chain variance), at most n. With no
 * recorded hit the estimate, error and interval are 0: the chains found nothing. Compute: C·(1 + burn-in + n/C)
 * forward and backward passes (burn-in counted).
 */
public final class Mhis implements Estimator {
    public static final int DEFAULT_CHAINS = 32;
    public static final int DEFAULT_BURN_IN = 1 << 10;

    private final int chains;
    private final int burnIn;

    public Mhis() {
        this(DEFAULT_CHAINS, DEFAULT_BURN_IN);
    }

    public Mhis(int chains, int burnIn) {
        if (chains < 2) {
            throw new IllegalArgumentException("MHIS needs at least 2 chains (for its error estimate), got " + chains);
        }
        if (burnIn < 0) {
            throw new IllegalArgumentException("MHIS burn-in must be >= 0 steps, got " + burnIn);
        }
        this.chains = chains;
        this.burnIn = burnIn;
    }

    @Override
    public String name() {
        return "mhis";
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress) {
        Checks.validate(problem, engine.shape());
        if (problem.budget() < chains) {
            throw new IllegalArgumentException("budget " + problem.budget()
                    + " is below the number of MHIS chains (" + chains + "); it counts recorded samples");
        }
        long start = System.nanoTime();
        double temperature = TemperatureRule.mhis(problem);
        SplittableRandom random = new SplittableRandom(problem.seed());
        InputDistribution d = problem.distribution();
        int length = d.length();
        Support[] supports = new Support[length];
        for (int i = 0; i < length; i++) {
            supports[i] = Support.of(d.position(i));
        }
        int recordedSteps = problem.budget() / chains;
        int totalSteps = burnIn + recordedSteps;
        int[] targets = new int[chains];
        Arrays.fill(targets, problem.target());

        int[][] x = new int[chains][];
        for (int c = 0; c < chains; c++) {
            x[c] = d.sample(random);
        }
        Chains state = new Chains(problem, engine.run(request(x, targets)));
        Recorded recorded = new Recorded(chains, recordedSteps, temperature);
        for (int step = 0; step < totalSteps; step++) {
            Checks.throwIfCancelled();
            int[] position = new int[chains];
            for (int c = 0; c < chains; c++) {
                position[c] = random.nextInt(length);
            }
            Categorical[] forward = proposals(state.gradients, position, supports, temperature, engine);
            int[][] proposed = new int[chains][];
            int[] from = new int[chains];
            double[] logRatio = new double[chains];
            for (int c = 0; c < chains; c++) {
                Support support = supports[position[c]];
                from[c] = d.position(position[c]).indexOf(x[c][position[c]]);
                int to = forward[c] == null ? 0 : forward[c].sample(random);
                proposed[c] = x[c].clone();
                proposed[c][position[c]] = support.ids()[to];
                logRatio[c] = support.logProbabilities()[to] - support.logProbabilities()[from[c]]
                        - (forward[c] == null ? 0 : forward[c].logProbability(to));
            }
            Chains next = new Chains(problem, engine.run(request(proposed, targets)));
            Categorical[] reverse = proposals(next.gradients, position, supports, temperature, engine);
            for (int c = 0; c < chains; c++) {
                double logAlpha = (next.score[c] - state.score[c]) / temperature + logRatio[c]
                        + (reverse[c] == null ? 0 : reverse[c].logProbability(from[c]));
                if (Math.log(random.nextDouble()) < logAlpha) {
                    x[c] = proposed[c];
                    state.accept(c, next);
                }
            }
            if (step >= burnIn) {
                recorded.add(step - burnIn, state.score, state.value);
            }
            long passes = (long) chains * (step + 2);
            progress.update(recorded.count(), problem.budget(), recorded.estimate(name(), start, problem, passes));
        }
        long passes = (long) chains * (totalSteps + 1);
        return recorded.estimate(name(), start, problem, passes);
    }

    private static EngineRequest request(int[][] tokens, int[] targets) {
        return new EngineRequest(tokens, EnumSet.of(Output.LOGITS, Output.EMBEDDING_GRADIENTS), targets);
    }

    /**
     * φ(· | x) ∝ p_i(v)·exp(h_i(x)(v)/T) over S_i at each chain's chosen position i, with h_i(x)(v) = W_E[v]·g_i(x);
     * null at a fixed position (the proposal is the current token with probability 1). Chains that chose the same
     * position share one projection call.
     */
    private static Categorical[] proposals(float[][][] gradients, int[] position, Support[] supports,
            double temperature, Engine engine) {
        Categorical[] result = new Categorical[position.length];
        for (int i = 0; i < supports.length; i++) {
            if (supports[i].isFixed()) {
                continue;
            }
            int count = 0;
            for (int p : position) {
                count += p == i ? 1 : 0;
            }
            if (count == 0) {
                continue;
            }
            float[][] vectors = new float[count][];
            int[] owners = new int[count];
            for (int c = 0, j = 0; c < position.length; c++) {
                if (position[c] == i) {
                    vectors[j] = gradients[c][i];
                    owners[j++] = c;
                }
            }
            float[][] h = engine.projectOntoEmbeddings(vectors, supports[i].ids());
            for (int j = 0; j < count; j++) {
                double[] logWeights = new double[supports[i].size()];
                for (int v = 0; v < logWeights.length; v++) {
                    logWeights[v] = supports[i].logProbabilities()[v] + h[j][v] / temperature;
                }
                result[owners[j]] = new Categorical(logWeights);
            }
        }
        return result;
    }

    /** Each chain's current score s(x), behaviour value and embedding gradients. */
    private static final class Chains {
        final double[] score;
        final double[] value;
        final float[][][] gradients;

        Chains(EstimationProblem problem, EngineResult result) {
            int n = result.logits().length;
            score = new double[n];
            value = new double[n];
            gradients = result.embeddingGradients();
            for (int c = 0; c < n; c++) {
                score[c] = result.logits()[c][problem.target()];
                value[c] = problem.behavior().value(result.logits()[c], problem.target());
            }
        }

        void accept(int c, Chains next) {
            score[c] = next.score[c];
            value[c] = next.value[c];
            gradients[c] = next.gradients[c];
        }
    }

    /** The recorded (s, value) of every chain after burn-in, and the estimate they give. */
    static final class Recorded {
        private final int chains;
        private final double temperature;
        private final double[] score;
        private final double[] value;
        private int count;

        Recorded(int chains, int steps, double temperature) {
            this.chains = chains;
            this.temperature = temperature;
            this.score = new double[chains * steps];
            this.value = new double[chains * steps];
        }

        void add(int step, double[] scores, double[] values) {
            System.arraycopy(scores, 0, score, step * chains, chains);
            System.arraycopy(values, 0, value, step * chains, chains);
            count += chains;
        }

        int count() {
            return count;
        }

        Estimate estimate(String method, long start, EstimationProblem problem, long passes) {
            double seconds = (System.nanoTime() - start) / 1e9;
            if (count == 0) { // still burning in: nothing is known yet
                return new Estimate(method, 0, 0, 0, 1, 0, 0, passes, passes, seconds, problem.seed());
            }
            double[] w = weights(Arrays.copyOf(score, count), temperature);
            double[] numerator = new double[chains];
            double[] denominator = new double[chains];
            double sumW = 0;
            double sumWSquared = 0;
            for (int k = 0; k < count; k++) {
                numerator[k % chains] += w[k] * value[k];
                denominator[k % chains] += w[k];
                sumW += w[k];
                sumWSquared += w[k] * w[k];
            }
            double p = Arrays.stream(numerator).sum() / sumW;
            double between = 0;
            double iid = 0;
            for (int c = 0; c < chains; c++) {
                double r = numerator[c] - p * denominator[c];
                between += r * r;
            }
            for (int k = 0; k < count; k++) {
                double r = w[k] / sumW * (value[k] - p);
                iid += r * r;
            }
            double variance = between * chains / (chains - 1.0) / (sumW * sumW);
            double se = Math.sqrt(variance);
            double ess = variance > 0 ? Math.min(count, count * iid / variance) : sumW * sumW / sumWSquared;
            Interval ci = Interval.normal(p, se);
            return new Estimate(method, p, se, ci.low(), ci.high(), ess, count, passes, passes, seconds,
                    problem.seed());
        }
    }

    /** The self-normalising weights e^{−(s_k − min s)/T}: the shift by min s keeps them in (0, 1] (log space). */
    private static double[] weights(double[] scores, double temperature) {
        double min = Arrays.stream(scores).min().orElse(0);
        double[] w = new double[scores.length];
        for (int k = 0; k < scores.length; k++) {
            w[k] = Math.exp(-(scores[k] - min) / temperature);
        }
        return w;
    }
}
