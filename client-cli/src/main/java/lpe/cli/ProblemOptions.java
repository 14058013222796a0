package lpe.cli;

import java.nio.file.Path;
import java.util.Optional;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.estimate.Behavior;
import lpe.model.Vocabulary;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options that state one question (model, distribution, target, behaviour), shared by exact and estimate. */
final class ProblemOptions {

    @Option(names = "--model", required = true, description = "Model directory (config.json, *.safetensors, tokenizer.json).")
    String model;

    @Option(names = "--dist", required = true, description = "A preset name or the path of a JSON spec.")
    String dist;

    @Option(names = "--corpus", description = "Text whose token frequencies weight the presets.")
    Path corpus;

    @Option(names = "--target", required = true, description = "A token as tokenizer.json spells it, or id:N.")
    String target;

    @Option(names = "--behavior", defaultValue = "argmax", description = "argmax (default) or sample:T.")
    String behavior;

    Behavior behavior(CommandSpec spec) {
        try {
            return Behavior.parse(behavior);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--behavior: " + e.getMessage(), e);
        }
    }

    InputDistribution distribution(Vocabulary vocabulary, CommandSpec spec) {
        try {
            return Distributions.resolve(dist, vocabulary, Optional.ofNullable(corpus));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--dist: " + e.getMessage(), e);
        }
    }

    TargetToken target(Vocabulary vocabulary, CommandSpec spec) {
        return TargetToken.parse(target, vocabulary, spec);
    }
}
