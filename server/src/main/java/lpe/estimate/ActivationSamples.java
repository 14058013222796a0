package lpe.estimate;

import java.util.EnumSet;
import java.util.SplittableRandom;
import lpe.dist.InputDistribution;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;

/**
 * The n samples of the last position that QLD and GLD extrapolate from (METHODS.md §3.3 inputs): inputs x ~ D, one
 * forward pass each, in batches of 512 (the paper's batch).
 */
final class ActivationSamples {
    static final int BATCH = 512;

    private ActivationSamples() {}

    /** Rows of the requested output (ACTIVATIONS [n][D] or LOGITS [n][V]) for n = budget inputs drawn from D. */
    static float[][] draw(EstimationProblem problem, Engine engine, Output output, String method,
            ProgressListener progress) {
        if (!(problem.behavior() instanceof Behavior.Argmax)) {
            throw new IllegalArgumentException(
                    method + " extrapolates the argmax behaviour only; use naive, itgis or mhis for " + problem.behavior().spec());
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
