package lpe.jobs;

import java.util.List;

/**
 * Where a job stands: samples done of the budget (summed over targets), samples per second since it started, the
 * latest partial estimate of every target that reported one, and the device time its rows used so far.
 */
public record Progress(long samplesDone, long budget, double rate, List<TargetEstimate> current, double deviceSeconds) {

    public Progress {
        current = List.copyOf(current);
    }

    public static Progress none(long budget) {
        return new Progress(0, budget, 0, List.of(), 0);
    }
}
