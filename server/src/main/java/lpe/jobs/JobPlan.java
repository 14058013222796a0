package lpe.jobs;

import java.util.List;
import lpe.dist.InputDistribution;
import lpe.estimate.Behavior;
import lpe.estimate.Estimator;

/** A validated spec, resolved against its model: what the job's estimator threads run. */
record JobPlan(
        LoadedModel model,
        InputDistribution distribution,
        List<ResolvedTarget> targets,
        Behavior behavior,
        Estimator estimator) {

    /** A target token: its id and its tokenizer.json spelling. */
    record ResolvedTarget(int id, String token) {}
}
