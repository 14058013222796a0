package lpe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import lpe.v1.JobSpec;

/** A {@code --dist} as a job sends it: a preset name, or the path of a JSON spec file sent inline. */
final class DistArgument {

    /** The presets of docs/methods.md; anything else is the path of a JSON spec file. */
    static final Set<String> PRESETS = Set.of("hex", "camel", "colon", "if", "caps", "english", "spanish", "icl");

    private DistArgument() {}

    static void set(JobSpec.Builder spec, String dist) {
        if (PRESETS.contains(dist)) {
            spec.setPreset(dist);
            return;
        }
        Path file = Path.of(dist);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--dist: '" + dist + "' is neither a preset " + PRESETS.stream().sorted().toList()
                    + " nor a JSON spec file");
        }
        try {
            spec.setSpecJson(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("--dist: cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
