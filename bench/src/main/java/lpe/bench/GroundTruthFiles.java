package lpe.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ground truth of {@code lpe bench paper}: the argmax count files that {@code lpe ground-truth} writes (one JSON
 * object: model, dist, samples, counts with one count per token, and whatever metadata the writer adds), merged per
 * (model, distribution).
 *
 * <p>Rules: a pair is named by its model (the last element of the file's {@code model} path, the name under the
 * server's model root) and its distribution as the file gives it (a preset, or the path of the JSON spec it ran; its
 * label is the preset or the spec's {@code name}). Several files of one pair add their counts and samples; they must
 * not hold the same samples (equal {@code seed}/{@code seeds} and {@code shard}), and must agree on the vocabulary
 * and on {@code precision} where both state one. Each refusal is one line naming the files.
 */
final class GroundTruthFiles {

    /** The merged counts of one pair; {@code dist} is what jobs send, {@code label} what tables show. */
    record Pair(String model, String dist, String label, long samples, long[] counts, List<Path> files) {
        String name() {
            return model + "/" + label;
        }

        double probability(int token) {
            return (double) counts[token] / samples;
        }
    }

    private GroundTruthFiles() {}

    /** The pairs of {@code files}, in the order their first file was given. */
    static List<Pair> read(List<Path> files) {
        Map<String, Pair> pairs = new LinkedHashMap<>();
        Map<String, String> provenance = new LinkedHashMap<>();
        Map<String, String> precision = new LinkedHashMap<>();
        for (Path file : files) {
            JsonObject o = parse(file);
            String model = string(o, "model", file);
            String dist = string(o, "dist", file);
            long samples = o.has("samples") ? o.get("samples").getAsLong() : -1;
            if (samples <= 0) {
                throw new IllegalArgumentException("--ground-truth " + file + ": 'samples' must be a positive count");
            }
            long[] counts = counts(o, file);
            long total = 0;
            for (long c : counts) {
                total += c;
            }
            if (total != samples) {
                throw new IllegalArgumentException("--ground-truth " + file + ": its counts add up to " + total
                        + ", not to its samples " + samples);
            }
            String modelName = Path.of(model).getFileName().toString();
            String key = modelName + "\u0000" + dist;
            String samplesId = String.valueOf(o.get("seeds") != null ? o.get("seeds") : o.get("seed"))
                    + (o.has("shard") ? ", shard " + o.get("shard") : "");
            String clash = provenance.putIfAbsent(key + "\u0000" + samplesId, file.toString());
            if (clash != null && (o.has("seed") || o.has("seeds"))) {
                throw new IllegalArgumentException("--ground-truth " + file + " and " + clash + " hold the same samples"
                        + " (seed " + samplesId + "); merging them would count them twice");
            }
            String p = o.has("precision") ? o.get("precision").getAsString() : null;
            Pair before = pairs.get(key);
            if (before == null) {
                pairs.put(key, new Pair(modelName, dist, label(dist), samples, counts, List.of(file)));
                if (p != null) {
                    precision.put(key, p);
                }
                continue;
            }
            if (before.counts().length != counts.length) {
                throw new IllegalArgumentException("--ground-truth " + file + " counts " + counts.length + " tokens, "
                        + before.files().getFirst() + " " + before.counts().length + ": not the same model");
            }
            String pBefore = precision.putIfAbsent(key, p);
            if (p != null && pBefore != null && !p.equals(pBefore)) {
                throw new IllegalArgumentException("--ground-truth " + file + " was counted at precision " + p + ", "
                        + before.files().getFirst() + " at " + pBefore + "; counts of different precisions do not merge");
            }
            long[] sum = before.counts().clone();
            for (int v = 0; v < sum.length; v++) {
                sum[v] += counts[v];
            }
            List<Path> all = new ArrayList<>(before.files());
            all.add(file);
            pairs.put(key, new Pair(modelName, dist, before.label(), before.samples() + samples, sum, List.copyOf(all)));
        }
        return List.copyOf(pairs.values());
    }

    /** A preset's name, or the {@code name} of a spec file (its file name when unreadable or unnamed). */
    static String label(String dist) {
        if (DistArgument.PRESETS.contains(dist)) {
            return dist;
        }
        Path file = DistArgument.specFile(dist);
        try {
            JsonElement spec = JsonParser.parseString(Files.readString(file));
            if (spec.isJsonObject() && spec.getAsJsonObject().has("name")) {
                return spec.getAsJsonObject().get("name").getAsString();
            }
        } catch (IOException | JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            // the label falls back to the file name; running the pair reports an unreadable spec
        }
        String name = file.getFileName().toString();
        return name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    }

    private static JsonObject parse(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("--ground-truth " + file + ": not a ground-truth counts file");
            }
            return e.getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("--ground-truth: cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("--ground-truth " + file + ": not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    private static String string(JsonObject o, String field, Path file) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException("--ground-truth " + file + ": no '" + field + "'; expected a counts file"
                    + " of lpe ground-truth");
        }
        return e.getAsString();
    }

    private static long[] counts(JsonObject o, Path file) {
        JsonElement e = o.get("counts");
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException("--ground-truth " + file + ": no 'counts' array (one count per token)");
        }
        JsonArray a = e.getAsJsonArray();
        long[] counts = new long[a.size()];
        for (int v = 0; v < counts.length; v++) {
            counts[v] = a.get(v).getAsLong();
            if (counts[v] < 0) {
                throw new IllegalArgumentException("--ground-truth " + file + ": negative count at token " + v);
            }
        }
        return counts;
    }
}
