package lpe.estimate;

import lpe.dist.InputDistribution;
import lpe.engine.Engine;

/** One method (docs/methods.md): plain sequential code that asks the engine for rows and reweights them. */
public interface Estimator {

    /** The method's name as the CLI and proto spell it: naive, itgis, itgis-ce, mhis, qld, gld, auto, exact. */
    String name();

    Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress);

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
