package lpe.jobs;

import java.util.EnumSet;
import java.util.SplittableRandom;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;
import lpe.estimate.Checkpoints;
import lpe.estimate.Estimate;
import lpe.estimate.IntervalKind;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimator;
import lpe.estimate.ProgressListener;

/**
 * A trivial estimator standing in for the real ones: plain Monte Carlo in chunks of 32 rows, reporting progress after
 * every chunk. Its rows depend only on the seed, never on the target, like the real naive method. It saves no state:
 * resumed, it starts again from the beginning.
 */
public final class NaiveForTests implements Estimator {
    @Override
    public String name() {
        return "naive";
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        long start = System.nanoTime();
        SplittableRandom random = new SplittableRandom(problem.seed());
        double sum = 0;
        double sumSq = 0;
        int done = 0;
        long calls = 0;
        while (done < problem.budget()) {
            int n = Math.min(32, problem.budget() - done);
            int[][] rows = new int[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = problem.distribution().sample(random);
            }
            EngineResult result = engine.run(new EngineRequest(rows, EnumSet.of(Output.LOGITS), null));
            calls += n;
            for (float[] logits : result.logits()) {
                double v = problem.behavior().value(logits, problem.target());
                sum += v;
                sumSq += v * v;
            }
            done += n;
            progress.update(done, problem.budget(), estimate(sum, sumSq, done, calls, start, problem.seed()));
        }
        return estimate(sum, sumSq, done, calls, start, problem.seed());
    }

    private static Estimate estimate(double sum, double sumSq, int n, long calls, long start, long seed) {
        double mean = sum / n;
        double se = Math.sqrt(Math.max(0, sumSq / n - mean * mean) / n);
        return new Estimate("naive", mean, se, mean - 1.96 * se, mean + 1.96 * se, IntervalKind.NORMAL, false, n, n, calls, 0,
                (System.nanoTime() - start) / 1e9, seed);
    }
}
