package lpe.estimate;

import lpe.dist.InputDistribution;

/**
 * One question: p = P_{x~D}[behaviour(M(x), target)], with a budget (samples or model calls, per method) and a
 * seed. {@code temperature} is the method's proposal temperature (ITGIS/MHIS); NaN means "choose by the rule"
 * ({@link Tuning#temperatureRule()} says which rule). {@code tuning} holds the importance-sampling methods' other
 * settings.
 */
public record EstimationProblem(InputDistribution distribution, int target, Behavior behavior, int budget,
        double temperature, long seed, Tuning tuning) {

    /** A problem with the default {@link Tuning}. */
    public EstimationProblem(InputDistribution distribution, int target, Behavior behavior, int budget,
            double temperature, long seed) {
        this(distribution, target, behavior, budget, temperature, seed, Tuning.DEFAULTS);
    }

    public EstimationProblem {
        if (tuning == null) {
            throw new IllegalArgumentException("tuning must be given (Tuning.DEFAULTS for the defaults)");
        }
    }
}
