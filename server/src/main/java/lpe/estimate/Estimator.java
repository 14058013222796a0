package lpe.estimate;

import lpe.dist.InputDistribution;
import lpe.engine.Engine;

/** One method (docs/methods.md): plain sequential code that asks the engine for rows and reweights them. */
public interface Estimator {

    /** The method's name as the CLI and proto spell it: naive, itgis, itgis-ce, mhis, qld, gld, auto, exact. */
    String name();

    /** A run from the beginning that saves no state. */
    default Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress) {
        return run(problem, engine, progress, Checkpoints.NONE);
    }

    /**
     * A run that saves its state when {@code checkpoints} says so and, given a saved state, resumes from it: the
     * estimate is the same bit for bit as an uninterrupted run's (same engine, same seed).
     */
    Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints);

    /** Null if this method can estimate {@code behavior}, else why not (one line naming the method and behaviour). */
    default String refusal(Behavior behavior) {
        return null;
    }

    /**
     * Null if this method can run on {@code distribution}, else why not (one line), so that such a job is refused at
     * submit rather than failed later. Most methods run on any distribution.
     */
    default String refusal(InputDistribution distribution) {
        return null;
    }
}
