package lpe.estimate;

import java.util.EnumSet;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * The exact p = Σ_x p(x)·value(M(x)) over every input of non-zero probability, one forward pass each. Refuses
 * distributions with more than {@link #MAX_INPUTS} inputs. The budget and seed are not used; the result has
 * standard error 0 and the interval [p, p].
 */
public final class ExactEnumeration implements Estimator {
    /** 2^22 = 4,194,304 inputs: about an hour of CPU forward passes on stories260K-sized models. */
    public static final long MAX_INPUTS = 1L << 22;
    static final int BATCH = 512;
    private static final int STATE_VERSION = 1;

    @Override
    public String name() {
        return "exact";
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        Checks.validate(problem, engine.shape());
        InputDistribution d = problem.distribution();
        int length = d.length();
        String refusal = refusal(d);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        int[][] support = support(d);
        long inputs = 1;
        for (int[] s : support) {
            inputs *= s.length;
        }
        long start = System.nanoTime();
        int[] digits = new int[length];
        double p = 0;
        long done = 0;
        if (checkpoints.restored() != null) {
            State.Reader in = State.reader(checkpoints.restored(), name(), STATE_VERSION);
            done = in.readLong();
            p = in.readDouble();
            digits = in.readInts();
        }
        while (done < inputs) {
            Checks.throwIfCancelled();
            int rows = (int) Math.min(BATCH, inputs - done);
            int[][] tokens = new int[rows][length];
            double[] probability = new double[rows];
            for (int b = 0; b < rows; b++) {
                probability[b] = 1;
                for (int i = 0; i < length; i++) {
                    int k = support[i][digits[i]];
                    tokens[b][i] = d.position(i).id(k);
                    probability[b] *= d.position(i).probability(k);
                }
                for (int i = length - 1; i >= 0 && ++digits[i] == support[i].length; i--) {
                    digits[i] = 0;
                }
            }
            float[][] logits = engine.run(new EngineRequest(tokens, EnumSet.of(Output.LOGITS), null)).logits();
            for (int b = 0; b < rows; b++) {
                p += probability[b] * problem.behavior().value(logits[b], problem.target());
            }
            done += rows;
            double seconds = (System.nanoTime() - start) / 1e9;
            progress.update(done, inputs, Estimate.of(name(), p, 0, Interval.exact(p), done, done, done, 0, seconds,
                    problem.seed()));
            if (checkpoints.due()) {
                State.Writer out = State.writer(name(), STATE_VERSION);
                out.writeLong(done);
                out.writeDouble(p);
                out.writeInts(digits);
                checkpoints.save(out.toBytes());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Estimate.of(name(), p, 0, Interval.exact(p), inputs, inputs, inputs, 0, seconds, problem.seed());
    }

    @Override
    public String refusal(InputDistribution d) {
        long inputs = 1;
        for (int[] s : support(d)) {
            inputs = inputs > MAX_INPUTS ? inputs : inputs * s.length;
        }
        return inputs <= MAX_INPUTS ? null : "distribution '" + d.name() + "' has " + describe(d)
                + " inputs, too many to enumerate; exact enumeration is limited to 2^22 = " + MAX_INPUTS;
    }

    /** Per position, the indices of non-zero probability. */
    private static int[][] support(InputDistribution d) {
        int[][] support = new int[d.length()][];
        for (int i = 0; i < d.length(); i++) {
            Position position = d.position(i);
            support[i] = java.util.stream.IntStream.range(0, position.size())
                    .filter(k -> position.probability(k) > 0).toArray();
        }
        return support;
    }

    private static String describe(InputDistribution d) {
        long size = d.supportSize();
        return size == Long.MAX_VALUE ? "more than 2^63" : Long.toString(size);
    }
}
