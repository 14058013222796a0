package lpe.jobs;

import lpe.dist.InputDistribution;
import lpe.model.Vocabulary;

/**
 * Turns a preset name or an inline JSON spec into a distribution over a model's vocabulary. Throws
 * IllegalArgumentException with a message that names the bad position when the spec fails validation.
 */
public interface DistributionResolver {
    InputDistribution preset(String name, Vocabulary vocabulary);

    InputDistribution fromJson(String json, Vocabulary vocabulary);
}
