package lpe.estimate;

import java.util.EnumSet;
import lpe.dist.InputDistribution;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * Plain (naive) sampling, docs/methods.md: n i.i.d. inputs from D, one forward pass each; the estimate is the mean behaviour value.
 *
 * <p>Uncertainty: for argmax the hits are binomial; the standard error is √(p̂(1−p̂)/n) and the interval is Wilson's;
 * with no hit the result is an upper bound only, the exact one-sided 95% bound 1 − 0.05^{1/n} (≈ 3/n). For temperature sampling the values lie in [0, 1]; the standard error
 * is the sample standard deviation over √n and the interval is normal, clipped to [0, 1]. ESS is n.
 */
public final class NaiveSampling implements Estimator {
    /** Rows per engine request; progress is reported once per batch. */
    static final int BATCH = 256;
    private static final int STATE_VERSION = 1;

    @Override
    public String name() {
        return "naive";
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        Checks.validate(problem, engine.shape());
        long start = System.nanoTime();
        SplitMix random = new SplitMix(problem.seed());
        InputDistribution d = problem.distribution();
        int n = problem.budget();
        Tally tally = new Tally(problem.behavior());
        int done = 0;
        if (checkpoints.restored() != null) {
            State.Reader in = State.reader(checkpoints.restored(), name(), STATE_VERSION);
            done = in.readInt();
            random = SplitMix.read(in);
            tally.read(in);
        }
        while (done < n) {
            Checks.throwIfCancelled();
            int rows = Math.min(BATCH, n - done);
            int[][] tokens = new int[rows][];
            for (int b = 0; b < rows; b++) {
                tokens[b] = d.sample(random);
            }
            float[][] logits = engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS), null)).logits();
            for (float[] row : logits) {
                tally.add(problem.behavior().value(row, problem.target()));
            }
            done += rows;
            progress.update(done, n, tally.estimate(name(), start, problem.seed()));
            if (checkpoints.due()) {
                State.Writer out = State.writer(name(), STATE_VERSION);
                out.writeInt(done);
                random.write(out);
                tally.write(out);
                checkpoints.save(out.toBytes());
            }
        }
        return tally.estimate(name(), start, problem.seed());
    }

    /** Running sums of the behaviour values and the estimate they give. */
    private static final class Tally {
        private final boolean binary;
        private long count;
        private long hits;
        private double sum;
        private double sumSquares;

        Tally(Behavior behavior) {
            this.binary = behavior instanceof Behavior.Argmax;
        }

        void add(double value) {
            count++;
            sum += value;
            sumSquares += value * value;
            if (value == 1.0) {
                hits++;
            }
        }

        void write(State.Writer out) {
            out.writeLong(count);
            out.writeLong(hits);
            out.writeDouble(sum);
            out.writeDouble(sumSquares);
        }

        void read(State.Reader in) {
            count = in.readLong();
            hits = in.readLong();
            sum = in.readDouble();
            sumSquares = in.readDouble();
        }

        Estimate estimate(String method, long start, long seed) {
            double p = sum / count;
            double se;
            Interval ci;
            if (binary) {
                se = Math.sqrt(p * (1 - p) / count);
                ci = Interval.wilson(hits, count);
            } else {
                double variance = count > 1 ? Math.max(0, (sumSquares - count * p * p) / (count - 1)) : 0;
                se = Math.sqrt(variance / count);
                ci = Interval.normal(p, se);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return Estimate.of(method, p, se, ci, count, count, count, 0, seconds, seed);
        }
    }
}
