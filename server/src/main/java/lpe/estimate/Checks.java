package lpe.estimate;

import java.util.concurrent.CancellationException;
import lpe.dist.InputDistribution;
import lpe.engine.ModelShape;

/** Validation of a problem against the model, and the cancellation point every estimator calls between batches. */
final class Checks {
    /** The largest budget any method accepts: 2^30 samples is days of compute even for a tiny model. */
    static final int MAX_BUDGET = 1 << 30;
    /** Proposal temperatures outside (0, 1000] are refused: beyond it every proposal equals the prior. */
    static final double MAX_TEMPERATURE = 1000;

    private Checks() {}

    /** Refuses a problem the model cannot answer, naming the field and what was expected. */
    static void validate(EstimationProblem problem, ModelShape shape) {
        if (problem.budget() <= 0) {
            throw new IllegalArgumentException("budget must be a positive number of samples, got " + problem.budget());
        }
        if (problem.budget() > MAX_BUDGET) {
            throw new IllegalArgumentException(
                    "budget " + problem.budget() + " is absurd; the most accepted is 2^30 = " + MAX_BUDGET);
        }
        double t = problem.temperature();
        if (!Double.isNaN(t) && !(t > 0 && t <= MAX_TEMPERATURE)) {
            throw new IllegalArgumentException(
                    "temperature must be in (0, " + MAX_TEMPERATURE + "] (or left out to use the default), got " + t);
        }
        int v = shape.vocabularySize();
        if (problem.target() < 0 || problem.target() >= v) {
            throw new IllegalArgumentException(
                    "target id " + problem.target() + " is outside the vocabulary [0, " + v + ")");
        }
        InputDistribution d = problem.distribution();
        if (d.length() > shape.contextLength()) {
            throw new IllegalArgumentException("distribution '" + d.name() + "' has " + d.length()
                    + " positions but the model's context is " + shape.contextLength());
        }
        for (int i = 0; i < d.length(); i++) {
            for (int id : d.position(i).ids()) {
                if (id < 0 || id >= v) {
                    throw new IllegalArgumentException("distribution '" + d.name() + "' position " + i
                            + " has token id " + id + " outside the vocabulary [0, " + v + ")");
                }
            }
        }
    }

    /** Stops the estimator with an exception when its thread was interrupted (the job was cancelled). */
    static void throwIfCancelled() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("estimation cancelled");
        }
    }
}
