package lpe.estimate;

import lpe.engine.Engine;

/** One method of docs/methods.md#estimators: plain sequential code that asks the engine for rows and reweights them. */
public interface Estimator {

    /** The method's name as the CLI and proto spell it: naive, itgis, mhis, qld, gld, exact. */
    String name();

    Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress);
}
