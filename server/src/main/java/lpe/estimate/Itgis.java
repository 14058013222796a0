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

/**
 * ITGIS (docs/methods.md, "ITGIS"): importance sampling from an independent-token proposal q_i(v) ∝
 * p_i(v)·exp(G_i(v)/c_k), where G is an exponential moving average of one-hot gradients of the target logit,
 * updated after every batch — made defensive (Hesterberg 1995).
 *
 * <p><b>Defensive mixture.</b> Each batch draws a fixed share α of its rows from the input distribution p itself and
 * the rest from q, and weights every row by w = p(x) / (α·p(x) + (1 − α)·q(x)) (the balance heuristic of the
 * stratified mixture; α = the batch's exact share). Each batch's sum is then unbiased for p whatever q is, every
 * weight is at most 1/α, so the variance is at most about 1/α times plain sampling's, and the rows from p alone give
 * a valid upper bound when nothing is hit.
 *
 * <p><b>Temperature.</b> A given temperature is used as is. Otherwise {@code itgis} uses the paper's table
 * ({@link TemperatureRule}) unless asked for the adaptive rule, and {@code itgis-ce} the adaptive rule unless asked
 * for the table (measured: docs/benchmarks.md, "Estimators on an enumerable distribution"). The adaptive rule: pilots at each
 * temperature of {@link #PILOT_TEMPERATURES} (∞ included: plain sampling) share a fraction ({@link Tuning#pilotFraction()}) of the budget in
 * round-robin batches, the pilot with the smallest estimated relative variance (at least two hits; else the most
 * hits, ties to T = 1) continues for the rest of the budget, and every sample (pilots included) counts in the
 * estimate. Each row's value has conditional mean p given everything before it, so pooling them keeps the estimate
 * unbiased.
 *
 * <p><b>Cross-entropy refinement</b> ({@code itgis-ce}, beyond the paper). The gradient's linear guess of where the
 * target's inputs lie can be wrong; the hits themselves are evidence. Each proposal also keeps, per position, the
 * weighted share r_i(v) of its hits so far that had token v there (smoothed by p_i): the cross-entropy method's
 * estimate of the marginals of D given the behaviour, the best independent-token proposal in Kullback–Leibler terms.
 * It samples from (1 − γ)·q_i^ITGIS + γ·r_i with γ = h/(h + {@value #HALF_WEIGHT_HITS}) after h hits, so the
 * evidence takes over as it accumulates. The proposal still depends on earlier batches only: unbiased as ITGIS is.
 *
 * <p><b>Uncertainty.</b> The per-sample values y = w·value form a martingale-difference sequence around p; the
 * standard error is their sample standard deviation over √n. With hits the interval is Fay and Feuer's gamma interval
 * for a weighted count ({@link Interval#weightedGamma}), taking the largest single contribution seen as the weight
 * bound for the argmax behaviour (none for sample:T, whose every row is in the sum already): asymmetric, wide when
 * hits are few, never 0 at the low end. With no hit the estimate is 0 and the result is
 * an upper bound only: the exact one-sided 95% bound from the m rows drawn from p ({@link Interval#zeroHits}, ≈
 * 3/(α·n)). ESS is Kish's (Σw)²/Σw² over all n weights. All weights stay in log space until the final sums.
 */
public final class Itgis implements Estimator {
    public static final int DEFAULT_BATCH = 256;
    public static final double DEFAULT_DECAY = 0.9;
    /**
     * The adaptive rule's candidates: the paper's grid 5^{k/4} from 0.45 to 2.24, and ∞ (the proposal is D itself:
     * plain sampling, for a target whose gradient leads away from it).
     */
    static final double[] PILOT_TEMPERATURES = {0.45, 0.67, 1.0, 1.5, 2.24, Double.POSITIVE_INFINITY};

    /** Hits at which the cross-entropy refinement has half the proposal's weight: γ = h / (h + HALF_WEIGHT_HITS). */
    static final double HALF_WEIGHT_HITS = 16;
    /** Share of p_i in the refinement's per-position law, so that it never rules a token out. */
    static final double REFINEMENT_SMOOTHING = 0.1;
    private static final int STATE_VERSION = 1;

    private final int batch;
    private final double decay;
    private final boolean crossEntropy;

    public Itgis() {
        this(DEFAULT_BATCH, DEFAULT_DECAY, false);
    }

    /** ITGIS with the paper's batch and decay, refined by cross-entropy ({@code itgis-ce}) if asked. */
    public Itgis(boolean crossEntropy) {
        this(DEFAULT_BATCH, DEFAULT_DECAY, crossEntropy);
    }

    public Itgis(int batch, double decay) {
        this(batch, decay, false);
    }

    public Itgis(int batch, double decay, boolean crossEntropy) {
        if (batch <= 0) {
            throw new IllegalArgumentException("ITGIS batch must be positive, got " + batch);
        }
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("ITGIS decay must be in (0, 1), got " + decay);
        }
        this.batch = batch;
        this.decay = decay;
        this.crossEntropy = crossEntropy;
    }

    @Override
    public String name() {
        return crossEntropy ? "itgis-ce" : "itgis";
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        return run(problem, engine, progress, checkpoints, false);
    }

    /**
     * The run; with {@code abandonWithoutHits}, null instead once the adaptive rule's pilots (if any) have seen fewer
     * than two hits in all: the proposal has found nothing to lean on. The pilots then cost
     * ⌊{@link Tuning#pilotFraction()}·n⌋ forward and backward passes.
     *
     * <p>The saved state: the generator, the sums, the pilot to step next and the chosen proposal (−1 while the
     * pilots run), and every pilot's state while they run, the chosen proposal's after.
     */
    Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints,
            boolean abandonWithoutHits) {
        Checks.validate(problem, engine.shape());
        long start = System.nanoTime();
        SplitMix random = new SplitMix(problem.seed());
        Setup setup = Setup.of(problem, batch);
        Sums all = new Sums();
        int n = problem.budget();
        Tuning.Rule rule = problem.tuning().temperatureRule();
        boolean adaptive = Double.isNaN(problem.temperature())
                && (rule == Tuning.Rule.ADAPTIVE || rule == Tuning.Rule.METHOD_DEFAULT && crossEntropy);
        List<Proposal> candidates = new ArrayList<>();
        if (adaptive) {
            for (double t : PILOT_TEMPERATURES) {
                candidates.add(new Proposal(setup, t));
            }
        } else {
            candidates.add(new Proposal(setup, TemperatureRule.itgis(problem)));
        }
        int nextPilot = 0;
        int chosen = adaptive ? -1 : 0;
        if (checkpoints.restored() != null) {
            State.Reader in = State.reader(checkpoints.restored(), name(), STATE_VERSION);
            random = SplitMix.read(in);
            all.read(in);
            nextPilot = in.readInt();
            chosen = in.readInt();
            for (Proposal p : chosen < 0 ? candidates : List.of(candidates.get(chosen))) {
                p.read(in);
            }
        }
        if (chosen < 0) {
            // the adaptive rule's pilots: each candidate stepped in turn until the pilot share of the budget is spent
            long pilotBudget = (long) Math.floor(problem.tuning().pilotFraction() * n);
            while (all.count < pilotBudget) {
                Checks.throwIfCancelled();
                candidates.get(nextPilot).step(engine, random, (int) Math.min(batch, pilotBudget - all.count), all);
                nextPilot = (nextPilot + 1) % candidates.size();
                progress.update(all.count, n, all.estimate(name(), start, problem));
                checkpoint(checkpoints, random, all, candidates, nextPilot, chosen);
            }
            chosen = best(candidates);
            if (abandonWithoutHits && all.hits < 2) {
                return null;
            }
        }
        Proposal proposal = candidates.get(chosen);
        while (all.count < n) {
            Checks.throwIfCancelled();
            proposal.step(engine, random, Math.min(batch, (int) (n - all.count)), all);
            progress.update(all.count, n, all.estimate(name(), start, problem));
            checkpoint(checkpoints, random, all, candidates, nextPilot, chosen);
        }
        return all.estimate(name(), start, problem);
    }

    /** The pilot to continue: the best score, starting from T = 1 (ties keep the earlier). */
    private static int best(List<Proposal> candidates) {
        int best = 2;
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).pilotScore().compareTo(candidates.get(best).pilotScore()) < 0) {
                best = i;
            }
        }
        return best;
    }

    private void checkpoint(Checkpoints checkpoints, SplitMix random, Sums all, List<Proposal> candidates,
            int nextPilot, int chosen) {
        if (!checkpoints.due()) {
            return;
        }
        State.Writer out = State.writer(name(), STATE_VERSION);
        random.write(out);
        all.write(out);
        out.writeInt(nextPilot);
        out.writeInt(chosen);
        for (Proposal p : chosen < 0 ? candidates : List.of(candidates.get(chosen))) {
            p.write(out);
        }
        checkpoints.save(out.toBytes());
    }

    /** What every proposal of one problem shares: supports, one-hot columns, outputs, α. */
    record Setup(EstimationProblem problem, Support[] supports, OneHotColumns columns, Set<Output> outputs,
            int[] targets, double alpha) {

        static Setup of(EstimationProblem problem, int batch) {
            InputDistribution d = problem.distribution();
            Support[] supports = new Support[d.length()];
            for (int i = 0; i < supports.length; i++) {
                supports[i] = Support.of(d.position(i));
            }
            OneHotColumns columns = OneHotColumns.of(supports);
            Set<Output> outputs = columns.any()
                    ? EnumSet.of(problem.behavior().output(), Output.ONE_HOT_GRADIENT_SUMS)
                    : EnumSet.of(problem.behavior().output());
            int[] targets = new int[batch];
            Arrays.fill(targets, problem.target());
            return new Setup(problem, supports, columns, outputs, targets, problem.tuning().defensiveShare());
        }
    }

    /** One ITGIS proposal sequence: its temperature, its gradient average G and its batch count k. */
    private final class Proposal {
        private final Setup setup;
        private final double temperature;
        private final double[][] g;
        private final Sums own = new Sums();
        /** Cross-entropy refinement: per position, Σ w·value over the hits that had token v there (log space). */
        private final LogSum[][] hitMass;
        private final LogSum hitTotal = new LogSum();
        private long hitsSeen;
        private int k;
        /** α·rows owed to p but not yet drawn (carried between batches so that the share is exact over the run). */
        private double defensiveOwed;

        Proposal(Setup setup, double temperature) {
            this.setup = setup;
            this.temperature = temperature;
            g = new double[setup.supports().length][];
            hitMass = crossEntropy ? new LogSum[g.length][] : null;
            for (int i = 0; i < g.length; i++) {
                g[i] = new double[setup.supports()[i].size()];
                if (crossEntropy) {
                    hitMass[i] = new LogSum[g[i].length];
                    for (int v = 0; v < g[i].length; v++) {
                        hitMass[i][v] = new LogSum();
                    }
                }
            }
        }

        /** One batch of {@code rows}: draw, weigh, run, record into {@code all} and this proposal's own sums. */
        void step(Engine engine, SplitMix random, int rows, Sums all) {
            EstimationProblem problem = setup.problem();
            Support[] supports = setup.supports();
            int length = supports.length;
            double c = k == 0 ? 1 : temperature * (1 - Math.pow(decay, k)) / (1 - decay);
            defensiveOwed += setup.alpha() * rows;
            int fromP = Math.min(rows, (int) Math.floor(defensiveOwed));
            defensiveOwed -= fromP;
            double share = (double) fromP / rows;
            int[][] tokens = new int[rows][length];
            double[] logQOverP = new double[rows];
            double gamma = crossEntropy ? hitsSeen / (hitsSeen + HALF_WEIGHT_HITS) : 0;
            for (int i = 0; i < length; i++) {
                drawPosition(i, supports[i], proposalLogWeights(i, c, gamma), fromP, tokens, logQOverP, random);
            }
            EngineResult result = engine.run(new EngineRequest(tokens, setup.outputs(),
                    Arrays.copyOf(setup.targets(), rows), setup.columns().any() ? setup.columns().ids() : null, null,
                    null, null));
            for (int b = 0; b < rows; b++) {
                double logWeight = -mixtureLogDensityRatio(share, logQOverP[b]);
                double value = problem.behavior().value(result, b, problem.target());
                all.add(logWeight, value, b < fromP);
                own.add(logWeight, value, b < fromP);
                if (crossEntropy && value > 0) {
                    recordHit(tokens[b], logWeight + Math.log(value));
                }
            }
            if (setup.columns().any()) {
                updateGradientAverage(result.oneHotGradientSums()[0], rows);
            }
            k++;
        }

        void write(State.Writer out) {
            for (double[] gi : g) {
                out.writeDoubles(gi);
            }
            own.write(out);
            if (crossEntropy) {
                for (LogSum[] position : hitMass) {
                    for (LogSum m : position) {
                        m.write(out);
                    }
                }
            }
            hitTotal.write(out);
            out.writeLong(hitsSeen);
            out.writeInt(k);
            out.writeDouble(defensiveOwed);
        }

        void read(State.Reader in) {
            for (int i = 0; i < g.length; i++) {
                double[] gi = in.readDoubles();
                if (gi == null || gi.length != g[i].length) {
                    throw new UnusableCheckpointException("the checkpoint's ITGIS state does not fit the distribution");
                }
                g[i] = gi;
            }
            own.read(in);
            if (crossEntropy) {
                for (LogSum[] position : hitMass) {
                    for (LogSum m : position) {
                        m.read(in);
                    }
                }
            }
            hitTotal.read(in);
            hitsSeen = in.readLong();
            k = in.readInt();
            defensiveOwed = in.readDouble();
        }

        /**
         * How promising this proposal looked as a pilot; smaller is better: its estimated relative variance when it
         * saw at least two hits, else fewer hits rank after more, ties to the temperature nearest 1.
         */
        Score pilotScore() {
            double relativeVariance = own.hits >= 2 ? own.count * own.values.concentration() - 1 : Double.POSITIVE_INFINITY;
            return new Score(relativeVariance, -own.hits, Math.abs(Math.log(temperature)));
        }

        /**
         * Unnormalised log q_i: ITGIS's log p_i(v) + G_i(v)/c; with the cross-entropy refinement the mixture
         * (1 − γ)·q_i^ITGIS + γ·r_i, where r_i(v) = (1 − ε)·(hit mass at v)/(hit mass) + ε·p_i(v) is the weighted
         * share of the hits so far that had token v at position i, smoothed by p_i (the cross-entropy method's
         * update for an independent-token family: the marginals of D given the behaviour).
         */
        private double[] proposalLogWeights(int i, double c, double gamma) {
            Support support = setup.supports()[i];
            double[] logQ = new double[support.size()];
            if (support.isFixed()) {
                return logQ;
            }
            for (int v = 0; v < logQ.length; v++) {
                logQ[v] = support.logProbabilities()[v] + g[i][v] / c;
            }
            if (gamma == 0) {
                return logQ;
            }
            double logNorm = -LogMath.logSumExp(logQ);
            double logTotal = hitTotal.logSum();
            for (int v = 0; v < logQ.length; v++) {
                double itgis = logQ[v] + logNorm;
                double hit = hitMass[i][v].isZero() ? Double.NEGATIVE_INFINITY : hitMass[i][v].logSum() - logTotal;
                double r = logAddExp(Math.log1p(-REFINEMENT_SMOOTHING) + hit,
                        Math.log(REFINEMENT_SMOOTHING) + support.logProbabilities()[v]);
                logQ[v] = logAddExp(Math.log1p(-gamma) + itgis, Math.log(gamma) + r);
            }
            return logQ;
        }

        private void recordHit(int[] row, double logContribution) {
            hitsSeen++;
            hitTotal.add(logContribution);
            for (int i = 0; i < row.length; i++) {
                Support support = setup.supports()[i];
                if (!support.isFixed()) {
                    hitMass[i][setup.problem().distribution().position(i).indexOf(row[i])].add(logContribution);
                }
            }
        }

        /**
         * Draws position i of every row (rows below {@code fromP} from p_i, the others from q_i given by its
         * unnormalised log-weights) and adds log q_i(v) − log p_i(v) to each row's log density ratio.
         */
        private void drawPosition(int i, Support support, double[] logQ, int fromP, int[][] tokens,
                double[] logQOverP, SplitMix random) {
            if (support.isFixed()) {
                for (int[] row : tokens) {
                    row[i] = support.ids()[0];
                }
                return;
            }
            Categorical q = new Categorical(logQ);
            Categorical p = fromP > 0 ? new Categorical(support.logProbabilities()) : null;
            for (int b = 0; b < tokens.length; b++) {
                int v = b < fromP ? p.sample(random) : q.sample(random);
                tokens[b][i] = support.ids()[v];
                logQOverP[b] += q.logProbability(v) - support.logProbabilities()[v];
            }
        }

        /**
         * G_i(v) ← λ·G_i(v) + W_E[v]·ḡ_i, with ḡ_i the batch mean of the embedding gradients at position i: the
         * engine's one-hot gradient sums over the batch's rows, divided by the rows.
         */
        private void updateGradientAverage(float[][] oneHotSums, int rows) {
            for (int i = 0; i < g.length; i++) {
                int[] column = setup.columns().columnOf()[i];
                if (column == null) {
                    continue;
                }
                for (int v = 0; v < g[i].length; v++) {
                    g[i][v] = decay * g[i][v] + oneHotSums[i][column[v]] / rows;
                }
            }
        }
    }

    /** A pilot's rank: relative variance, then minus its hits, then |log T|; compared in that order. */
    record Score(double relativeVariance, long negativeHits, double distanceFromOne) implements Comparable<Score> {
        @Override
        public int compareTo(Score o) {
            int c = Double.compare(relativeVariance, o.relativeVariance);
            if (c == 0) {
                c = Long.compare(negativeHits, o.negativeHits);
            }
            return c != 0 ? c : Double.compare(distanceFromOne, o.distanceFromOne);
        }
    }

    private static double logAddExp(double a, double b) {
        double max = Math.max(a, b);
        return max == Double.NEGATIVE_INFINITY ? max : max + Math.log(Math.exp(a - max) + Math.exp(b - max));
    }

    /**
     * log((α·p + (1 − α)·q) / p) = log(α + (1 − α)·exp(log q − log p)), computed without overflow: minus the row's log
     * importance weight. At α = 0 it is log q − log p, plain importance sampling.
     */
    static double mixtureLogDensityRatio(double alpha, double logQOverP) {
        return alpha <= 0 ? logQOverP : logAddExp(Math.log(alpha), Math.log1p(-alpha) + logQOverP);
    }

    /** Log-space sums of the weights and of the per-sample values y = w·value, the hits and the rows drawn from p. */
    static final class Sums {
        private final LogSum weights = new LogSum();
        private final LogSum values = new LogSum();
        private double maxLogValue = Double.NEGATIVE_INFINITY;
        private long count;
        private long hits;
        private long fromP;

        void add(double logWeight, double value, boolean drawnFromP) {
            count++;
            weights.add(logWeight);
            if (drawnFromP) {
                fromP++;
            }
            if (value > 0) {
                hits++;
                double logValue = logWeight + Math.log(value);
                values.add(logValue);
                maxLogValue = Math.max(maxLogValue, logValue);
            }
        }

        void write(State.Writer out) {
            weights.write(out);
            values.write(out);
            out.writeDouble(maxLogValue);
            out.writeLong(count);
            out.writeLong(hits);
            out.writeLong(fromP);
        }

        void read(State.Reader in) {
            weights.read(in);
            values.read(in);
            maxLogValue = in.readDouble();
            count = in.readLong();
            hits = in.readLong();
            fromP = in.readLong();
        }

        Estimate estimate(String method, long start, EstimationProblem problem) {
            double seconds = (System.nanoTime() - start) / 1e9;
            double ess = count == 0 ? 0 : 1 / weights.concentration();
            if (values.isZero()) {
                return Estimate.of(method, 0, 0, Interval.zeroHits(fromP), ess, count, count, count, seconds,
                        problem.seed());
            }
            double p = Math.exp(values.logSum() - Math.log(count));
            // sample variance of y relative to its mean: se = p̂·√((n·Σy²/(Σy)² − 1)/(n − 1))
            double se = count < 2 ? p : p * Math.sqrt(Math.max(0, (count * values.concentration() - 1) / (count - 1)));
            // a 0/1 behaviour may have missed one more hit as large as the largest seen; a [0, 1]-valued one has
            // every row in the sum already
            double wMax = problem.behavior() instanceof Behavior.Argmax ? Math.exp(maxLogValue - Math.log(count)) : 0;
            Interval ci = Interval.weightedGamma(p, se * se, wMax);
            return Estimate.of(method, p, se, ci, ess, count, count, count, seconds, problem.seed());
        }
    }
}
