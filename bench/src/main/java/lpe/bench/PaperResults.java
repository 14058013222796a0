package lpe.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The raw results file of {@code lpe bench paper}: JSON lines, appended as jobs finish, so that a rerun continues.
 *
 * <p>Lines: first the run's {@code settings} (budget, seed, targets per pair, the p range), then per pair the
 * {@code targets} chosen (with the ground-truth samples they were chosen from), then one {@code estimate} per
 * (pair, method, target). Rules: a rerun must give the same settings and the same ground truth per pair (else it is
 * refused, naming the difference: the file would mix two evaluations); a finished (pair, method, target) is never
 * recomputed; methods and pairs may be added. A last line cut short by a crash is dropped on opening.
 */
final class PaperResults {

    /** What may not change between runs that share a file. */
    record Settings(long budget, long seed, int targets, double pMin, double pMax) {
        JsonObject json() {
            JsonObject o = new JsonObject();
            o.addProperty("kind", "settings");
            o.addProperty("budget", budget);
            o.addProperty("seed", seed);
            o.addProperty("targets", targets);
            o.addProperty("p_min", pMin);
            o.addProperty("p_max", pMax);
            return o;
        }
    }

    private final Path file;
    private final List<JsonObject> lines = new ArrayList<>();
    private final Set<String> finished = new HashSet<>();

    private PaperResults(Path file) {
        this.file = file;
    }

    /** Opens (or starts) {@code file} for a run with {@code settings}. */
    static PaperResults open(Path file, Settings settings) {
        PaperResults results = new PaperResults(file);
        try {
            if (Files.exists(file)) {
                results.readExisting();
            }
            if (results.lines.isEmpty()) {
                Path parent = file.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                results.append(settings.json());
            } else {
                results.checkSettings(settings);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--out: cannot use " + file + ": " + e.getMessage(), e);
        }
        return results;
    }

    /** An existing results file as it is, with the settings it was run with (for scoring alone). */
    static PaperResults existing(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--out: no results file " + file + " to score");
        }
        PaperResults results = new PaperResults(file);
        try {
            results.readExisting();
        } catch (IOException e) {
            throw new IllegalArgumentException("--out: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (results.lines.isEmpty() || !results.lines.getFirst().get("kind").getAsString().equals("settings")) {
            throw new IllegalArgumentException("--out " + file + " does not start with the settings of lpe bench paper");
        }
        return results;
    }

    /** The settings the file was started with. */
    Settings settings() {
        JsonObject o = lines.getFirst();
        return new Settings(o.get("budget").getAsLong(), o.get("seed").getAsLong(), o.get("targets").getAsInt(),
                o.get("p_min").getAsDouble(), o.get("p_max").getAsDouble());
    }

    private void readExisting() throws IOException {
        String text = Files.readString(file);
        String[] raw = text.split("\n", -1);
        long goodBytes = 0;
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            boolean last = i == raw.length - 1;
            if (line.isBlank()) {
                goodBytes += line.getBytes(StandardCharsets.UTF_8).length + (last ? 0 : 1);
                continue;
            }
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(line);
                o = e.isJsonObject() ? e.getAsJsonObject() : null;
            } catch (JsonParseException e) {
                o = null;
            }
            if (o == null || !o.has("kind") || (last && !text.endsWith("\n"))) {
                if (last) { // cut short by a crash: drop it
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        channel.truncate(goodBytes);
                    }
                    break;
                }
                throw new IllegalArgumentException("--out " + file + " line " + (i + 1) + " is not a line of lpe bench"
                        + " paper; give another --out");
            }
            lines.add(o);
            if (o.get("kind").getAsString().equals("estimate")) {
                finished.add(key(o.get("model").getAsString(), o.get("dist").getAsString(),
                        o.get("method").getAsString(), o.get("target").getAsInt()));
            }
            goodBytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
        }
    }

    private void checkSettings(Settings settings) {
        JsonObject had = lines.getFirst();
        if (!had.get("kind").getAsString().equals("settings")) {
            throw new IllegalArgumentException("--out " + file + " does not start with the settings of lpe bench paper");
        }
        JsonObject now = settings.json();
        for (String field : List.of("budget", "seed", "targets", "p_min", "p_max")) {
            if (had.get(field).getAsDouble() != now.get(field).getAsDouble()) {
                throw new IllegalArgumentException("--" + field.replace('_', '-') + " " + now.get(field) + " differs from"
                        + " the " + had.get(field) + " of " + file + "; to continue it, give the same --budget, --seed,"
                        + " --targets, --p-min and --p-max, or choose another --out");
            }
        }
    }

    /** The targets recorded for {@code pair}; refused if they were chosen from other ground truth. */
    Optional<int[]> targets(GroundTruthFiles.Pair pair) {
        for (JsonObject o : lines) {
            if (o.get("kind").getAsString().equals("targets") && o.get("model").getAsString().equals(pair.model())
                    && o.get("dist").getAsString().equals(pair.label())) {
                long had = o.get("ground_truth_samples").getAsLong();
                if (had != pair.samples()) {
                    throw new IllegalArgumentException("--ground-truth of " + pair.name() + " holds " + pair.samples()
                            + " samples; " + file + " chose its targets from " + had + "; give the same files, or"
                            + " choose another --out for the new ground truth");
                }
                JsonArray a = o.getAsJsonArray("targets");
                int[] ids = new int[a.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = a.get(i).getAsInt();
                }
                return Optional.of(ids);
            }
        }
        return Optional.empty();
    }

    void recordTargets(GroundTruthFiles.Pair pair, int eligible, int[] targets) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", "targets");
        o.addProperty("model", pair.model());
        o.addProperty("dist", pair.label());
        o.addProperty("dist_spec", pair.dist());
        o.addProperty("ground_truth_samples", pair.samples());
        o.addProperty("eligible", eligible);
        JsonArray a = new JsonArray();
        for (int t : targets) {
            a.add(t);
        }
        o.add("targets", a);
        append(o);
    }

    synchronized boolean finished(String model, String dist, String method, int target) {
        return finished.contains(key(model, dist, method, target));
    }

    /** Appends one line and forces it to the file before returning. */
    synchronized void append(JsonObject line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        lines.add(line);
        if (line.get("kind").getAsString().equals("estimate")) {
            finished.add(key(line.get("model").getAsString(), line.get("dist").getAsString(),
                    line.get("method").getAsString(), line.get("target").getAsInt()));
        }
    }

    /** Every estimate line, in file order. */
    synchronized List<JsonObject> estimates() {
        return lines.stream().filter(o -> o.get("kind").getAsString().equals("estimate")).toList();
    }

    private static String key(String model, String dist, String method, int target) {
        return model + "\u0000" + dist + "\u0000" + method + "\u0000" + target;
    }
}
