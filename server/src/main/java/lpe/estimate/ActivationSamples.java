package lpe.estimate;

import java.util.EnumSet;
import java.util.function.UnaryOperator;
import lpe.dist.InputDistribution;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * The n samples of the last position that QLD and GLD extrapolate from (docs/methods.md#qld inputs): inputs x ~ D, one
 * forward pass each, in batches of 512 (the paper's batch).
 */
final class ActivationSamples {
    static final int BATCH = 512;
    private static final int STATE_VERSION = 1;

    private ActivationSamples() {}

    /** Why an activation-extrapolation method cannot estimate {@code behavior}, or null if it can (argmax). */
    static String refusal(String method, Behavior behavior) {
        return behavior instanceof Behavior.Argmax
                ? null
                : method + " extrapolates the argmax behaviour only; use naive, itgis, itgis-ce or mhis for "
                        + behavior.spec();
    }

    /**
     * Rows of the requested output (ACTIVATIONS [n][D] or LOGITS [n][V]) for n = budget inputs drawn from D, each as
     * {@code keep} reduces it (what the method needs of the row); the rows kept so far are the saved state.
     */
    static float[][] draw(EstimationProblem problem, Engine engine, Output output, String method,
            ProgressListener progress, Checkpoints checkpoints, UnaryOperator<float[]> keep) {
        String refusal = refusal(method, problem.behavior());
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        long start = System.nanoTime();
        SplitMix random = new SplitMix(problem.seed());
        InputDistribution d = problem.distribution();
        int n = problem.budget();
        float[][] rows = new float[n][];
        int done = 0;
        if (checkpoints.restored() != null) {
            State.Reader in = State.reader(checkpoints.restored(), method, STATE_VERSION);
            done = in.readInt();
            random = SplitMix.read(in);
            for (int k = 0; k < done; k++) {
                rows[k] = in.readFloats();
            }
        }
        while (done < n) {
            Checks.throwIfCancelled();
            int count = Math.min(BATCH, n - done);
            int[][] tokens = new int[count][];
            for (int b = 0; b < count; b++) {
                tokens[b] = d.sample(random);
            }
            var result = engine.run(new EngineRequest(tokens, EnumSet.of(output), null));
            float[][] batch = output == Output.LOGITS ? result.logits() : result.activations();
            for (int b = 0; b < count; b++) {
                rows[done + b] = keep.apply(batch[b]);
            }
            done += count;
            double seconds = (System.nanoTime() - start) / 1e9;
            // nothing is estimated until all samples are in: the partial result says so with the interval [0, 1]
            progress.update(done, n, Estimate.of(method, 0, 0, Interval.NONE, 0, done, done, 0, seconds, problem.seed()));
            if (checkpoints.due()) {
                State.Writer out = State.writer(method, STATE_VERSION);
                out.writeInt(done);
                random.write(out);
                for (int k = 0; k < done; k++) {
                    out.writeFloats(rows[k]);
                }
                checkpoints.save(out.toBytes());
            }
        }
        return rows;
    }
}
