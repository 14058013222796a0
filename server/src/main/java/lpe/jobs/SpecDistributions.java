package lpe.jobs;

import java.util.Optional;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.dist.Presets;
import lpe.model.Vocabulary;

/**
 * Presets and inline JSON specs through {@link Distributions#resolve}. Unlike the CLI, a server never reads a spec
 * from a file: a preset must be one of the preset names and inline JSON must be a JSON object.
 */
public final class SpecDistributions implements DistributionResolver {
    @Override
    public InputDistribution preset(String name, Vocabulary vocabulary) {
        if (!Presets.NAMES.contains(name)) {
            throw new IllegalArgumentException(
                    "unknown preset '" + name + "'; presets: " + String.join(", ", Presets.NAMES));
        }
        return Distributions.resolve(name, vocabulary, Optional.empty());
    }

    @Override
    public InputDistribution fromJson(String json, Vocabulary vocabulary) {
        if (!json.strip().startsWith("{")) {
            throw new IllegalArgumentException("must be a JSON object ({\"name\": .., \"positions\": [..]}); the server"
                    + " never reads spec files");
        }
        return Distributions.resolve(json, vocabulary, Optional.empty());
    }
}
