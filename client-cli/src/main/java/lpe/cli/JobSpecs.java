package lpe.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import lpe.v1.JobSpec;
import lpe.v1.TargetRef;

/** The JobSpec a computing command sends to a server, from the options it was given. */
final class JobSpecs {

    /** docs/methods.md#input-distributions; anything else is the path of a JSON spec file. */
    static final Set<String> PRESETS = Set.of("hex", "camel", "colon", "if", "caps", "english", "spanish", "icl");

    private JobSpecs() {}

    /**
     * @param model a model name under the server's model root
     * @param dist a preset name, or the path of a JSON spec file (sent inline: the server never reads client paths)
     * @param target a vocabulary string or {@code id:N}
     */
    static JobSpec.Builder of(String model, String dist, String target, String behavior, String method, long budget,
            Double temperature, Long seed) {
        var spec = JobSpec.newBuilder().setModel(model).setMethod(method).setBudget(budget)
                .addTargets(target(target));
        if (behavior != null) {
            spec.setBehavior(behavior);
        }
        if (temperature != null) {
            spec.setTemperature(temperature);
        }
        if (seed != null) {
            spec.setSeed(seed);
        }
        distribution(spec, dist);
        return spec;
    }

    static TargetRef target(String target) {
        if (target.startsWith("id:")) {
            try {
                return TargetRef.newBuilder().setId(Integer.parseInt(target.substring(3))).build();
            } catch (NumberFormatException e) {
                throw new UserError("--target: expected id:N with a whole number N, got '" + target + "'");
            }
        }
        return TargetRef.newBuilder().setToken(target).build();
    }

    static void distribution(JobSpec.Builder spec, String dist) {
        if (PRESETS.contains(dist)) {
            spec.setPreset(dist);
            return;
        }
        Path file = Path.of(dist);
        if (!Files.isRegularFile(file)) {
            throw new UserError("--dist: '" + dist + "' is neither a preset " + PRESETS.stream().sorted().toList()
                    + " nor a JSON spec file");
        }
        try {
            spec.setSpecJson(Files.readString(file));
        } catch (IOException e) {
            throw new UserError("--dist: cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
