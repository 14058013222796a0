package lpe.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.model.HfVocabulary;
import lpe.model.ModelConfig;
import lpe.model.Vocabulary;
import lpe.v1.JobSpec;

/** A {@code --dist} as a job sends it: a preset name, or the path of a JSON spec file sent inline. */
final class DistArgument {

    /** The presets of docs/methods.md; anything else is the path of a JSON spec file. */
    static final Set<String> PRESETS = Set.of("hex", "camel", "colon", "if", "caps", "english", "spanish", "icl");

    private DistArgument() {}

    /**
     * The spec file a {@code --dist} path names: relative to the working directory, else to the repository root
     * ({@code lpe.home}, which ./lpe sets), where the ground-truth files' spec paths are relative to.
     */
    static Path specFile(String dist) {
        Path file = Path.of(dist);
        Path inRepository = Path.of(System.getProperty("lpe.home", ".")).resolve(dist);
        return Files.exists(file) || file.isAbsolute() || !Files.exists(inRepository) ? file : inRepository;
    }

    /**
     * What the jobs of a pair send for its distribution {@code dist} (labelled {@code label}): a spec file named after
     * a preset that holds exactly the positions of that preset as lpe builds it for the model in {@code modelDir} (a
     * dump, as tools/gpu/hex-gelu-1l.json, in the Python reference's {@code ids}/{@code probs} format) is sent as the
     * preset; any other spec file as itself. A file named after a preset that differs from it is refused: its ground
     * truth is not the preset's.
     */
    static String sentAs(String dist, String label, Path modelDir) {
        if (PRESETS.contains(dist) || !PRESETS.contains(label) || !Files.isDirectory(modelDir)) {
            return dist;
        }
        JsonArray positions;
        try {
            JsonObject spec = JsonParser.parseString(Files.readString(specFile(dist))).getAsJsonObject();
            positions = spec.getAsJsonArray("positions");
        } catch (IOException | RuntimeException e) {
            return dist;
        }
        if (positions == null || !positions.get(0).getAsJsonObject().has("probs")) {
            return dist;
        }
        ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
        Vocabulary vocabulary = HfVocabulary.load(modelDir.resolve("tokenizer.json"), config.vocabularySize(),
                config.bosTokenId());
        InputDistribution preset = Distributions.resolve(label, vocabulary, Optional.empty());
        if (preset.length() != positions.size()) {
            throw new IllegalArgumentException("--ground-truth: " + dist + " is named " + label + " but has "
                    + positions.size() + " positions, the preset " + preset.length() + ": not the preset's ground truth");
        }
        for (int i = 0; i < positions.size(); i++) {
            JsonObject at = positions.get(i).getAsJsonObject();
            Map<Integer, Double> dumped = new HashMap<>();
            JsonArray ids = at.getAsJsonArray("ids");
            JsonArray probs = at.getAsJsonArray("probs");
            for (int k = 0; k < ids.size(); k++) {
                dumped.put(ids.get(k).getAsInt(), probs.get(k).getAsDouble());
            }
            Position built = preset.position(i);
            boolean same = dumped.size() == built.size();
            for (int k = 0; same && k < built.size(); k++) {
                Double p = dumped.get(built.id(k));
                same = p != null && Math.abs(p - built.probability(k)) <= 1e-9 * Math.max(1, built.probability(k));
            }
            if (!same) {
                throw new IllegalArgumentException("--ground-truth: " + dist + " is named " + label + " but differs from"
                        + " the preset at position " + i + ": not the preset's ground truth");
            }
        }
        return label;
    }

    static void set(JobSpec.Builder spec, String dist) {
        if (PRESETS.contains(dist)) {
            spec.setPreset(dist);
            return;
        }
        Path file = specFile(dist);
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
