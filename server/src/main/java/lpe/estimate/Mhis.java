package lpe.estimate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import lpe.dist.InputDistribution;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;
import lpe.engine.ProposalDraws;
import lpe.engine.ProposalLaw;
import lpe.engine.Proposals;

/**
 * MHIS (docs/methods.md, "MHIS"): C chains of Metropolis–Hastings on π(x) ∝ p(x)·exp(s(x)/T) with a
 * gradient-informed single-position proposal, then the self-normalised estimate p̂ = Σ value·e^{−s/T} / Σ e^{−s/T}
 * over the recorded states. Consistent, not unbiased.
 *
 * <p>Defensive share: besides the chains, α·n inputs ({@link Tuning#defensiveShare()}, n the budget) are drawn from
 * the input distribution itself and run forward only (about 2% more compute at α = 0.1). They are what the result
 * falls back on when the chains record no hit: with no hit there either, the estimate is 0 with the exact one-sided
 * 95% upper bound 1 − 0.05^{1/m} of those m draws (upper bound only); with k hits there, the chains have missed a
 * region plain sampling finds, and the result is those draws' k/m with its Wilson interval.
 *
 * <p>Uncertainty: the chains are independent, so p̂ is a ratio of sums over C i.i.d. chain totals (N_c, D_c); the
 * standard error is the ratio estimator's, √(C/(C−1)·Σ_c (N_c − p̂·D_c)²) / Σ_c D_c, which includes the chains'
 * autocorrelation. The interval is the gamma interval for a weighted count ({@link Interval#weightedGamma}) with the
 * largest single normalised weight of a hit as the weight bound: asymmetric, never 0 at the low end. ESS is the
 * number of independent draws from π that would give the same variance: n·(i.i.d. self-normalised variance) /
 * (between-chain variance), at most n. Compute: C·(1 + burn-in + n/C) forward and backward passes (burn-in counted),
 * plus the states evaluated again ({@link Evaluator}), plus the α·n forward passes of the defensive share.
 *
 * <p>The saved state: while the defensive share is drawn, its draws so far and generator; then the defensive result,
 * the generator, the step to run next, every chain's state and evaluation, the recorded values and the passes so far.
 * The positions and uniforms drawn up front are drawn again from the seed on resume.
 */
public final class Mhis implements Estimator {
    public static final int DEFAULT_CHAINS = 32;
    public static final int DEFAULT_BURN_IN = 1 << 10;
    /** Steps of proposal draws made per evaluated state (see {@link Evaluator}). */
    static final int LOOKAHEAD = 4;
    /** Steps between progress reports. */
    private static final int PROGRESS_STEPS = 64;
    private static final int STATE_VERSION = 1;
    /** The phases of a saved state: drawing the defensive share, then running the chains. */
    private static final int DEFENSIVE_PHASE = 0;
    private static final int CHAINS_PHASE = 1;

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

    int chains() {
        return chains;
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        Checks.validate(problem, engine.shape());
        if (problem.budget() < chains) {
            throw new IllegalArgumentException("budget " + problem.budget()
                    + " is below the number of MHIS chains (" + chains + "); it counts recorded samples");
        }
        long start = System.nanoTime();
        double temperature = TemperatureRule.mhis(problem);
        SplitMix random = new SplitMix(problem.seed());
        InputDistribution d = problem.distribution();
        State.Reader saved = checkpoints.restored() == null ? null
                : State.reader(checkpoints.restored(), name(), STATE_VERSION);
        boolean inChains = saved != null && saved.readInt() == CHAINS_PHASE;
        SplitMix defensiveRandom = random.split();
        Defensive defensive = inChains ? new Defensive(saved.readLong(), saved.readLong(), saved.readDouble())
                : Defensive.draw(problem, engine, defensiveRandom, saved, checkpoints, name());
        int length = d.length();
        Support[] supports = new Support[length];
        for (int i = 0; i < length; i++) {
            supports[i] = Support.of(d.position(i));
        }
        int recordedSteps = problem.budget() / chains;
        int totalSteps = burnIn + recordedSteps;
        OneHotColumns columns = OneHotColumns.of(supports);
        Evaluator evaluator = new Evaluator(problem, engine, columns, law(supports, columns, temperature),
                schedule(random.split(), totalSteps, length), uniforms(random.split(), totalSteps));

        int[][] x = new int[chains][];
        int[] all = new int[chains];
        Arrays.setAll(all, c -> c);
        int[] none = noReverseColumns(chains);
        Chains state;
        Recorded recorded = new Recorded(chains, recordedSteps, temperature, defensive);
        int firstStep = 0;
        if (inChains) {
            random = SplitMix.read(saved);
            firstStep = saved.readInt();
            for (int c = 0; c < chains; c++) {
                x[c] = saved.readInts();
            }
            state = Chains.read(saved);
            recorded.read(saved);
            evaluator.passes = saved.readLong();
        } else {
            for (int c = 0; c < chains; c++) {
                x[c] = d.sample(random);
            }
            state = evaluator.evaluate(x, all, 0, none);
        }
        for (int step = firstStep; step < totalSteps; step++) {
            Checks.throwIfCancelled();
            evaluator.refresh(state, x, step);
            int[][] proposed = new int[chains][];
            int[] reverse = none.clone();
            double[] logRatio = new double[chains];
            for (int c = 0; c < chains; c++) {
                int i = evaluator.position(step, c);
                proposed[c] = x[c].clone();
                if (supports[i].isFixed()) {
                    continue; // the proposal keeps the token: probability 1 both ways
                }
                int token = columns.ids()[state.drawn(c, step)];
                int from = d.position(i).indexOf(x[c][i]);
                int to = d.position(i).indexOf(token);
                proposed[c][i] = token;
                logRatio[c] = supports[i].logProbabilities()[to] - supports[i].logProbabilities()[from]
                        - state.drawnLogProbability(c, step);
                reverse[c] = columns.columnOf()[i][from];
            }
            Chains next = evaluator.evaluate(proposed, all, step, reverse);
            for (int c = 0; c < chains; c++) {
                double logAlpha = (next.score[c] - state.score[c]) / temperature + logRatio[c] + next.reverse[c];
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
            if (checkpoints.due()) {
                State.Writer out = State.writer(name(), STATE_VERSION);
                out.writeInt(CHAINS_PHASE);
                out.writeLong(defensive.draws());
                out.writeLong(defensive.hits());
                out.writeDouble(defensive.sum());
                random.write(out);
                out.writeInt(step + 1);
                for (int[] row : x) {
                    out.writeInts(row);
                }
                state.write(out);
                recorded.write(out);
                out.writeLong(evaluator.passes());
                checkpoints.save(out.toBytes());
            }
        }
        return recorded.estimate(name(), start, problem, evaluator.passes());
    }

    /** φ's law: log p_i(v) at v's column for the positions that move, −∞ elsewhere (fixed positions: all −∞). */
    private static ProposalLaw law(Support[] supports, OneHotColumns columns, double temperature) {
        float[][] logPriors = new float[supports.length][Math.max(1, columns.ids().length)];
        for (int i = 0; i < supports.length; i++) {
            Arrays.fill(logPriors[i], Float.NEGATIVE_INFINITY);
            if (!supports[i].isFixed()) {
                for (int v = 0; v < supports[i].size(); v++) {
                    logPriors[i][columns.columnOf()[i][v]] = (float) supports[i].logProbabilities()[v];
                }
            }
        }
        return new ProposalLaw(logPriors, temperature);
    }

    /** Reverse columns for n evaluated states that ask for no reverse proposal: all −1. */
    private static int[] noReverseColumns(int n) {
        int[] none = new int[n];
        Arrays.fill(none, -1);
        return none;
    }

    /** Each chain's position for every step, drawn up front: i.i.d. uniform, independent of the chains' states. */
    private int[][] schedule(SplitMix random, int steps, int length) {
        int[][] schedule = new int[steps][];
        for (int s = 0; s < steps; s++) {
            schedule[s] = new int[chains];
            for (int c = 0; c < chains; c++) {
                schedule[s][c] = random.nextInt(0, length);
            }
        }
        return schedule;
    }

    /**
     * Each chain's uniform in [0, 1) for its forward proposal of every step, drawn up front (multiples of 2^-24, exact
     * in float): whichever state the chain is in at that step draws with it, and that state never depended on it.
     */
    private float[][] uniforms(SplitMix random, int steps) {
        float[][] uniforms = new float[steps][chains];
        for (float[] step : uniforms) {
            for (int c = 0; c < chains; c++) {
                step[c] = (random.nextInt() >>> 8) * 0x1p-24f;
            }
        }
        return uniforms;
    }

    /**
     * Runs chain states through the engine, which returns their target logit, behaviour value and proposal draws. A
     * state evaluated at step s gets its draws from φ(· | state) at its chain's positions of steps
     * s..s+{@value #LOOKAHEAD}−1 (with those steps' uniforms), and, for a proposed state, log φ(current token | state)
     * at the position of step s (the reverse proposal). A state that outlives its draws is evaluated again
     * ({@link #refresh}). This is the paper's algorithm (h_i(x) at the chosen position at every step); drawing the
     * positions and uniforms in advance changes nothing in distribution, since they are independent of the chains.
     * The engine samples on the device, so only a few numbers per row leave it.
     */
    private final class Evaluator {
        private final EstimationProblem problem;
        private final Engine engine;
        private final OneHotColumns columns;
        private final ProposalLaw law;
        private final int[][] schedule;
        private final float[][] uniforms;
        private final Set<Output> outputs;
        private final int[] targets;
        private long passes;

        Evaluator(EstimationProblem problem, Engine engine, OneHotColumns columns, ProposalLaw law, int[][] schedule,
                float[][] uniforms) {
            this.problem = problem;
            this.engine = engine;
            this.columns = columns;
            this.law = law;
            this.schedule = schedule;
            this.uniforms = uniforms;
            this.outputs = EnumSet.of(Output.TARGET_LOGIT, problem.behavior().output());
            if (columns.any()) {
                outputs.add(Output.PROPOSALS);
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

        /**
         * Evaluates the states {@code rows} of the chains {@code chainOf[j]} as of step {@code step}, with log φ of
         * column {@code reverse[j]} (−1: none) at the position of that step.
         */
        Chains evaluate(int[][] rows, int[] chainOf, int step, int[] reverse) {
            int[][] positions = null;
            Proposals proposals = null;
            if (columns.any()) {
                positions = new int[rows.length][LOOKAHEAD];
                float[][] u = new float[rows.length][LOOKAHEAD];
                for (int j = 0; j < rows.length; j++) {
                    for (int q = 0; q < LOOKAHEAD; q++) {
                        int s = Math.min(step + q, schedule.length - 1);
                        positions[j][q] = schedule[s][chainOf[j]];
                        u[j][q] = uniforms[s][chainOf[j]];
                    }
                }
                proposals = new Proposals(law, u, reverse);
            }
            EngineResult result = engine.run(new EngineRequest(rows, outputs, Arrays.copyOf(targets, rows.length),
                    columns.any() ? columns.ids() : null, positions, null, proposals));
            passes += rows.length;
            return new Chains(problem, result, step);
        }

        /** Evaluates again the states whose draws do not reach step {@code step}. */
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
            Chains fresh = evaluate(rows, chainOf, step, noReverseColumns(rows.length));
            for (int j = 0; j < rows.length; j++) {
                int c = chainOf[j];
                state.drawn[c] = fresh.drawn[j];
                state.drawnLog[c] = fresh.drawnLog[j];
                state.from[c] = step;
            }
        }
    }

    /**
     * Each chain's current score s(x), behaviour value, and draws from φ(· | x) for the steps from {@code from[c]}
     * on; for a proposed state also log φ(reverse column | state).
     */
    private static final class Chains {
        final double[] score;
        final double[] value;
        final int[][] drawn;
        final float[][] drawnLog;
        final float[] reverse;
        final int[] from;

        Chains(EstimationProblem problem, EngineResult result, int step) {
            int n = result.targetLogits().length;
            score = new double[n];
            value = new double[n];
            ProposalDraws draws = result.proposalDraws();
            drawn = draws != null ? draws.columns() : new int[n][];
            drawnLog = draws != null ? draws.logProbabilities() : new float[n][];
            reverse = draws != null ? draws.reverseLogProbabilities() : new float[n];
            from = new int[n];
            Arrays.fill(from, step);
            for (int c = 0; c < n; c++) {
                score[c] = result.targetLogits()[c];
                value[c] = problem.behavior().value(result, c, problem.target());
            }
        }

        private Chains(double[] score, double[] value, int[][] drawn, float[][] drawnLog, float[] reverse, int[] from) {
            this.score = score;
            this.value = value;
            this.drawn = drawn;
            this.drawnLog = drawnLog;
            this.reverse = reverse;
            this.from = from;
        }

        void write(State.Writer out) {
            out.writeDoubles(score);
            out.writeDoubles(value);
            out.writeInt(drawn.length);
            for (int c = 0; c < drawn.length; c++) {
                out.writeInts(drawn[c]);
                out.writeFloats(drawnLog[c]);
            }
            out.writeFloats(reverse);
            out.writeInts(from);
        }

        static Chains read(State.Reader in) {
            double[] score = in.readDoubles();
            double[] value = in.readDoubles();
            int n = in.readInt();
            int[][] drawn = new int[n][];
            float[][] drawnLog = new float[n][];
            for (int c = 0; c < n; c++) {
                drawn[c] = in.readInts();
                drawnLog[c] = in.readFloats();
            }
            return new Chains(score, value, drawn, drawnLog, in.readFloats(), in.readInts());
        }

        /** The column chain c's state proposes at step {@code step} (at a position that moves). */
        int drawn(int c, int step) {
            int column = drawn[c][step - from[c]];
            if (column < 0) {
                throw new IllegalStateException("the engine drew no column at a position that moves (step " + step
                        + ", chain " + c + ")");
            }
            return column;
        }

        float drawnLogProbability(int c, int step) {
            return drawnLog[c][step - from[c]];
        }

        void accept(int c, Chains next) {
            score[c] = next.score[c];
            value[c] = next.value[c];
            drawn[c] = next.drawn[c];
            drawnLog[c] = next.drawnLog[c];
            from[c] = next.from[c];
        }
    }

    /** The defensive share's draws from the input distribution itself: how many, and their hits and value sum. */
    record Defensive(long draws, long hits, double sum) {
        private static final int BATCH = 256;

        /**
         * Draws the share, from the saved state {@code saved} (positioned after its phase) when there is one, saving
         * its own state when due.
         */
        static Defensive draw(EstimationProblem problem, Engine engine, SplitMix random, State.Reader saved,
                Checkpoints checkpoints, String method) {
            long m = Math.max(1, Math.round(problem.tuning().defensiveShare() * problem.budget()));
            long hits = 0;
            double sum = 0;
            long done = 0;
            if (saved != null) {
                done = saved.readLong();
                hits = saved.readLong();
                sum = saved.readDouble();
                random = SplitMix.read(saved);
            }
            while (done < m) {
                Checks.throwIfCancelled();
                int rows = (int) Math.min(BATCH, m - done);
                int[][] tokens = new int[rows][];
                for (int b = 0; b < rows; b++) {
                    tokens[b] = problem.distribution().sample(random);
                }
                int[] targets = new int[rows];
                Arrays.fill(targets, problem.target());
                EngineResult result = engine.run(
                        new EngineRequest(tokens, EnumSet.of(problem.behavior().output()), targets));
                for (int b = 0; b < rows; b++) {
                    double v = problem.behavior().value(result, b, problem.target());
                    sum += v;
                    hits += v > 0 ? 1 : 0;
                }
                done += rows;
                if (done < m && checkpoints.due()) {
                    State.Writer out = State.writer(method, STATE_VERSION);
                    out.writeInt(DEFENSIVE_PHASE);
                    out.writeLong(done);
                    out.writeLong(hits);
                    out.writeDouble(sum);
                    random.write(out);
                    checkpoints.save(out.toBytes());
                }
            }
            return new Defensive(m, hits, sum);
        }

        /** What the draws alone say: Wilson's interval for hits, or the zero-hit upper bound. */
        Estimate estimate(String method, double seconds, EstimationProblem problem, long passes) {
            double p = sum / draws;
            Interval ci = Interval.wilson(hits, draws);
            return Estimate.of(method, p, Math.sqrt(p * (1 - p) / draws), ci, draws, draws, passes + draws, passes,
                    seconds, problem.seed());
        }
    }

    /** The recorded (s, value) of every chain after burn-in, and the estimate they give. */
    static final class Recorded {
        private final int chains;
        private final double temperature;
        private final Defensive defensive;
        private final double[] score;
        private final double[] value;
        private int count;

        Recorded(int chains, int steps, double temperature, Defensive defensive) {
            this.chains = chains;
            this.temperature = temperature;
            this.defensive = defensive;
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

        void write(State.Writer out) {
            out.writeInt(count);
            out.writeDoubles(Arrays.copyOf(score, count));
            out.writeDoubles(Arrays.copyOf(value, count));
        }

        void read(State.Reader in) {
            count = in.readInt();
            double[] s = in.readDoubles();
            double[] v = in.readDoubles();
            if (s == null || v == null || s.length != count || v.length != count || count > score.length) {
                throw new UnusableCheckpointException("the checkpoint's MHIS record does not fit the budget");
            }
            System.arraycopy(s, 0, score, 0, count);
            System.arraycopy(v, 0, value, 0, count);
        }

        Estimate estimate(String method, long start, EstimationProblem problem, long passes) {
            double seconds = (System.nanoTime() - start) / 1e9;
            if (count == 0) { // still burning in: nothing is known yet
                return Estimate.of(method, 0, 0, Interval.NONE, 0, 0, passes + defensive.draws(), passes, seconds,
                        problem.seed());
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
            if (!(p > 0)) {
                return defensive.estimate(method, seconds, problem, passes);
            }
            double maxHitWeight = 0;
            for (int k = 0; k < count; k++) {
                if (value[k] > 0) {
                    maxHitWeight = Math.max(maxHitWeight, w[k] * value[k]);
                }
            }
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
            Interval ci = Interval.weightedGamma(p, variance, maxHitWeight / sumW);
            return Estimate.of(method, p, se, ci, ess, count, passes + defensive.draws(), passes, seconds,
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
