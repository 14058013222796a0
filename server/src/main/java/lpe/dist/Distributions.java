package lpe.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import lpe.model.Vocabulary;

/**
 * The one entry point from a SPEC (a preset name, a JSON file, or inline JSON) to an {@link InputDistribution}, used
 * by the CLI and the server alike. Every failure is an {@link InvalidDistributionException} naming the field.
 */
public final class Distributions {
    private Distributions() {}

    /**
     * @param spec a preset name ({@link Presets#NAMES}), JSON text starting with '{', or the path of a JSON file
     * @param corpus a UTF-8 text whose token frequencies weight the presets' token sets (ignored for JSON specs)
     */
    public static InputDistribution resolve(String spec, Vocabulary vocabulary, Optional<Path> corpus) {
        String trimmed = spec.strip();
        if (trimmed.startsWith("{")) {
            return new SpecParser(vocabulary).parse(trimmed, "spec");
        }
        if (Presets.NAMES.contains(trimmed)) {
            return switch (presets(vocabulary, corpus).build(trimmed)) {
                case PresetOutcome.Built built -> built.distribution();
                case PresetOutcome.Refused refused -> throw new InvalidDistributionException(
                        "dist", "preset " + refused.name() + " cannot be built for this vocabulary: "
                                + refused.reason());
            };
        }
        Path file = path(trimmed);
        if (file == null || !Files.isRegularFile(file)) {
            throw new InvalidDistributionException("dist", "'" + spec + "' is neither a preset ("
                    + String.join(", ", Presets.NAMES) + ") nor a JSON spec nor an existing file");
        }
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidDistributionException("dist", "cannot read '" + file + "': " + e.getMessage());
        }
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        try {
            return new SpecParser(vocabulary).parse(json, name);
        } catch (InvalidDistributionException e) {
            throw new InvalidDistributionException(e.field(), e.reason() + " (in " + file + ")");
        }
    }

    /** Every preset, built or refused, for this vocabulary and optional corpus. */
    public static List<PresetOutcome> presetOutcomes(Vocabulary vocabulary, Optional<Path> corpus) {
        return presets(vocabulary, corpus).all();
    }

    private static Presets presets(Vocabulary vocabulary, Optional<Path> corpus) {
        return new Presets(vocabulary, corpus.map(file -> CorpusCounts.count(file, vocabulary)));
    }

    private static Path path(String spec) {
        try {
            return Path.of(spec);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
