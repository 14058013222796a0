package lpe.estimate;

import lpe.dist.InputDistribution;

/**
 * One question: p = P_{x~D}[behaviour(M(x), target)], with a budget (samples or model calls, per method) and a
 * seed. {@code temperature} is the method's proposal temperature (ITGIS/MHIS); NaN means "choose by the rule".
 */
public record EstimationProblem(
        InputDistribution distribution, int target, Behavior behavior, int budget, double temperature, long seed) {}
