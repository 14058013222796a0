package lpe.estimate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
 * forward and backward passes (burn-in counted), plus the states evaluated again ({@link Evaluator}).
 */
public final class Mhis implements Estimator {
    public static final int DEFAULT_CHAINS = 32;
    public static final int DEFAULT_BURN_IN = 1 << 10;
    /** Steps of one-hot gradients fetched per evaluated state (see {@link Evaluator}). */
    static final int LOOKAHEAD = 4;
    /** Steps between progress reports. */
    private static final int PROGRESS_STEPS = 64;

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
        Evaluator evaluator = new Evaluator(problem, engine, OneHotColumns.of(supports),
                schedule(random.split(), totalSteps, length));

        int[][] x = new int[chains][];
        for (int c = 0; c < chains; c++) {
            x[c] = d.sample(random);
        }
        Chains state = evaluator.evaluate(x, 0);
        Recorded recorded = new Recorded(chains, recordedSteps, temperature);
        for (int step = 0; step < totalSteps; step++) {
            Checks.throwIfCancelled();
            evaluator.refresh(state, x, step);
            int[][] proposed = new int[chains][];
            int[] position = new int[chains];
            int[] from = new int[chains];
            double[] logRatio = new double[chains];
            for (int c = 0; c < chains; c++) {
                position[c] = evaluator.position(step, c);
                Support support = supports[position[c]];
                Categorical forward = evaluator.proposal(state.oneHot(c, step), position[c], supports, temperature);
                from[c] = d.position(position[c]).indexOf(x[c][position[c]]);
                int to = forward == null ? 0 : forward.sample(random);
                proposed[c] = x[c].clone();
                proposed[c][position[c]] = support.ids()[to];
                logRatio[c] = support.logProbabilities()[to] - support.logProbabilities()[from[c]]
                        - (forward == null ? 0 : forward.logProbability(to));
            }
            Chains next = evaluator.evaluate(proposed, step);
            for (int c = 0; c < chains; c++) {
                double[] reverse = evaluator.proposalLogWeights(next.oneHot(c, step), position[c], supports, temperature);
                double logAlpha = (next.score[c] - state.score[c]) / temperature + logRatio[c]
                        + (reverse == null ? 0 : Categorical.logProbability(reverse, from[c]));
                if (Math.log(random.nextDouble()) < logAlpha) {
                    x[c] = proposed[c];
                    state.accept(c, next);
                }
            }
            if (step >= burnIn) {
                recorded.add(step - burnIn, state.score, state.value);
            }
            if (step % PROGRESS_STEPS == 0) { // the estimate costs O(samples so far): not at every step
                progress.update(recorded.count(), problem.budget(),
                        recorded.estimate(name(), start, problem, evaluator.passes()));
            }
        }
        return recorded.estimate(name(), start, problem, evaluator.passes());
    }

    /** Each chain's position for every step, drawn up front: i.i.d. uniform, independent of the chains' states. */
    private int[][] schedule(SplittableRandom random, int steps, int length) {
        int[][] schedule = new int[steps][];
        for (int s = 0; s < steps; s++) {
            schedule[s] = random.ints(chains, 0, length).toArray();
        }
        return schedule;
    }
    /**
     * Runs chain states through the engine, which returns their target logit, behaviour value and one-hot gradients.
     * A state evaluated at step s gets h_i(x) at its chain's positions of steps s..s+{@value #LOOKAHEAD}−1: the
     * reverse proposal of step s needs the first, and the state, if accepted, the others for the forward proposals of
     * the steps after. A state that outlives them is evaluated again ({@link #refresh}). This is the paper's
     * algorithm (h_i(x) at the chosen position at every step); drawing the positions in advance changes nothing in
     * distribution, since they are independent of the chains. Only these projections leave the device.
     */
    private final class Evaluator {
        private final EstimationProblem problem;
        private final Engine engine;
        private final OneHotColumns columns;
        private final int[][] schedule;
        private final Set<Output> outputs;
        private final int[] targets;
        private long passes;

        Evaluator(EstimationProblem problem, Engine engine, OneHotColumns columns, int[][] schedule) {
            this.problem = problem;
            this.engine = engine;
            this.columns = columns;
            this.schedule = schedule;
            this.outputs = EnumSet.of(Output.TARGET_LOGIT, problem.behavior().output());
            if (columns.any()) {
                outputs.add(Output.ONE_HOT_GRADIENTS);
            }
            this.targets = new int[chains];
            Arrays.fill(targets, problem.target());
        }

        int position(int step, int chain) {
            return schedule[step][chain];
        }

        long passes() {
            return passes;
        }

        /** Evaluates the state of every chain, one per row, as of step {@code step}. */
        Chains evaluate(int[][] rows, int step) {
            int[] all = new int[rows.length];
            Arrays.setAll(all, c -> c);
            return evaluate(rows, all, step);
        }

        /** Evaluates the states {@code rows} of the chains {@code chainOf[j]}, as of step {@code step}. */
        Chains evaluate(int[][] rows, int[] chainOf, int step) {
            int[][] positions = null;
            if (columns.any()) {
                positions = new int[rows.length][LOOKAHEAD];
                for (int j = 0; j < rows.length; j++) {
                    for (int q = 0; q < LOOKAHEAD; q++) {
                        positions[j][q] = schedule[Math.min(step + q, schedule.length - 1)][chainOf[j]];
                    }
                }
            }
            EngineResult result = engine.run(new EngineRequest(rows, outputs, Arrays.copyOf(targets, rows.length),
                    columns.any() ? columns.ids() : null, positions, null));
            passes += rows.length;
            return new Chains(problem, result, step);
        }

        /** Evaluates again the states whose one-hot gradients do not reach step {@code step}. */
        void refresh(Chains state, int[][] x, int step) {
            if (!columns.any()) {
                return;
            }
            List<Integer> stale = new ArrayList<>();
            for (int c = 0; c < chains; c++) {
                if (step - state.from[c] >= LOOKAHEAD) {
                    stale.add(c);
                }
            }
            if (stale.isEmpty()) {
                return;
            }
            int[][] rows = new int[stale.size()][];
            int[] chainOf = stale.stream().mapToInt(Integer::intValue).toArray();
            for (int j = 0; j < rows.length; j++) {
                rows[j] = x[chainOf[j]];
            }
            Chains fresh = evaluate(rows, chainOf, step);
            for (int j = 0; j < rows.length; j++) {
                int c = stale.get(j);
                state.oneHot[c] = fresh.oneHot[j];
                state.from[c] = step;
            }
        }

        /** φ(· | x) ∝ p_i(v)·exp(h_i(x)(v)/T) over S_i; null at a fixed position (the current token, probability 1). */
        Categorical proposal(float[] h, int position, Support[] supports, double temperature) {
            double[] logWeights = proposalLogWeights(h, position, supports, temperature);
            return logWeights == null ? null : new Categorical(logWeights);
        }

        /** φ's unnormalised log-weights; null at a fixed position. */
        double[] proposalLogWeights(float[] h, int position, Support[] supports, double temperature) {
            Support support = supports[position];
            if (support.isFixed()) {
                return null;
            }
            int[] column = columns.columnOf()[position];
            double[] logWeights = new double[support.size()];
            for (int v = 0; v < logWeights.length; v++) {
                logWeights[v] = support.logProbabilities()[v] + h[column[v]] / temperature;
            }
            return logWeights;
        }
    }

    /** Each chain's current score s(x), behaviour value, and one-hot gradients from step {@code from[c]} on. */
    private static final class Chains {
        final double[] score;
        final double[] value;
        final float[][][] oneHot;
        final int[] from;

        Chains(EstimationProblem problem, EngineResult result, int step) {
            int n = result.targetLogits().length;
            score = new double[n];
            value = new double[n];
            oneHot = result.oneHotGradients() != null ? result.oneHotGradients() : new float[n][][];
            from = new int[n];
            Arrays.fill(from, step);
            for (int c = 0; c < n; c++) {
                score[c] = result.targetLogits()[c];
                value[c] = problem.behavior().value(result, c, problem.target());
            }
        }

        /** h at chain c's position of step {@code step}; null when no position moves. */
        float[] oneHot(int c, int step) {
            return oneHot[c] == null ? null : oneHot[c][step - from[c]];
        }

        void accept(int c, Chains next) {
            score[c] = next.score[c];
            value[c] = next.value[c];
            oneHot[c] = next.oneHot[c];
            from[c] = next.from[c];
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
