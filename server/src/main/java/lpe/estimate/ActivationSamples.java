package lpe.estimate;

import java.util.EnumSet;
import java.util.SplittableRandom;
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

    private ActivationSamples() {}

    /** Why an activation-extrapolation method cannot estimate {@code behavior}, or null if it can (argmax). */
    static String refusal(String method, Behavior behavior) {
        return behavior instanceof Behavior.Argmax
                ? null
                : method + " extrapolates the argmax behaviour only; use naive, itgis, itgis-ce or mhis for "
                        + behavior.spec();
    }

    /** Rows of the requested output (ACTIVATIONS [n][D] or LOGITS [n][V]) for n = budget inputs drawn from D. */
    static float[][] draw(EstimationProblem problem, Engine engine, Output output, String method,
            ProgressListener progress) {
        String refusal = refusal(method, problem.behavior());
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        long start = System.nanoTime();
        SplittableRandom random = new SplittableRandom(problem.seed());
        InputDistribution d = problem.distribution();
        int n = problem.budget();
        float[][] rows = new float[n][];
        for (int done = 0; done < n; ) {
            Checks.throwIfCancelled();
            int count = Math.min(BATCH, n - done);
            int[][] tokens = new int[count][];
            for (int b = 0; b < count; b++) {
                tokens[b] = d.sample(random);
            }
            var result = engine.run(new EngineRequest(tokens, EnumSet.of(output), null));
            float[][] batch = output == Output.LOGITS ? result.logits() : result.activations();
            System.arraycopy(batch, 0, rows, done, count);
            done += count;
            double seconds = (System.nanoTime() - start) / 1e9;
            // nothing is estimated until all samples are in: the partial result says so with the interval [0, 1]
            progress.update(done, n, Estimate.of(method, 0, 0, Interval.NONE, 0, done, done, 0, seconds, problem.seed()));
        }
        return rows;
    }
}
