package lpe.jobs;

import lpe.batching.FakeEngine;
import lpe.dist.InputDistribution;
import lpe.estimate.Behavior;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.ProgressListener;

/** The independent reference for server results: the estimator run directly on an engine of its own. */
public final class Reference {
    private Reference() {}

    public static Estimate naive(int target, long budget, long seed) {
        InputDistribution d = new FakeDistributions().preset("uniform3", new FakeVocabulary(FakeModels.VOCABULARY));
        return new NaiveForTests().run(new EstimationProblem(d, target, new Behavior.Argmax(), (int) budget,
                Double.NaN, seed), new FakeEngine(FakeModels.VOCABULARY, 4, 0), ProgressListener.NONE);
    }
}
