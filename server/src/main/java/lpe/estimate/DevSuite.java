package lpe.estimate;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.model.Vocabulary;

/**
 * The development suite with exact answers (docs/devsuite.md): (bundled model, distribution) entries small enough to
 * enumerate, each with the exact argmax probability of every token that some input produces, read from the
 * classpath folder {@code devsuite/} ({@code suite.json}, one {@code NAME.spec.json} per distribution, one
 * {@code ENTRY.exact.json} per entry).
 *
 * <p>Rules: an entry is {@link Split#DEVELOPMENT} or {@link Split#HELD_OUT}; tuning (temperatures, mixture weights,
 * method choice) may look only at development entries, and held-out entries report how the tuned methods do. An
 * exact file records the SHA-256 of the spec it was computed from, and loading it refuses a spec that has changed
 * since. Each target carries the probability mass of the inputs where it is within the file's tie gap of the top
 * logit, which bounds how far another engine's (or device's) exact p may lie from the file's.
 */
public final class DevSuite {
    /** The classpath folder of the suite's files. */
    static final String FOLDER = "devsuite/";

    private DevSuite() {}

    /** Whether an entry may be used for tuning. */
    public enum Split {
        DEVELOPMENT, HELD_OUT
    }

    /**
     * One (model, distribution) pair: {@code model} is the model's folder relative to the repository root
     * ({@code models/gelu-1l}), {@code spec} the distribution in lpe's spec language.
     */
    public record Entry(String name, String model, Split split, String specName, String spec) {

        /** The distribution over the model's vocabulary. */
        public InputDistribution distribution(Vocabulary vocabulary) {
            return Distributions.resolve(spec, vocabulary, Optional.empty());
        }

        /** The model's folder under the repository root. */
        public Path modelDirectory(Path repositoryRoot) {
            return repositoryRoot.resolve(model);
        }

        /** The exact answers, refused if they were computed from another spec. */
        public Exact exact() {
            JsonObject json = JsonParser.parseString(read(name + ".exact.json")).getAsJsonObject();
            String recorded = json.get("spec_sha256").getAsString();
            if (!recorded.equals(sha256(spec))) {
                throw new IllegalStateException("devsuite entry '" + name + "': its exact file was computed from spec "
                        + recorded + ", but " + specName + ".spec.json is now " + sha256(spec)
                        + "; regenerate it (docs/devsuite.md)");
            }
            List<Target> targets = new ArrayList<>();
            for (JsonElement t : json.getAsJsonArray("targets")) {
                JsonObject o = t.getAsJsonObject();
                targets.add(new Target(o.get("id").getAsInt(), o.get("p").getAsDouble(),
                        o.get("near_tie_mass").getAsDouble()));
            }
            return new Exact(name, json.get("inputs").getAsLong(), json.get("tie_gap").getAsDouble(),
                    json.get("near_tie_inputs").getAsLong(), json.get("near_tie_mass").getAsDouble(), targets);
        }
    }

    /**
     * A token's exact argmax probability p, and {@code nearTieMass}: the probability of the inputs whose top two
     * logits, this token among them, lie within the tie gap.
     */
    public record Target(int id, double p, double nearTieMass) {}

    /**
     * An entry's exact answers: every token with p > 0, by decreasing p; {@code inputs} enumerated; the inputs (and
     * their probability mass) whose top two logits lie within {@code tieGap} of each other.
     */
    public record Exact(String entry, long inputs, double tieGap, long nearTieInputs, double nearTieMass,
            List<Target> targets) {

        public Exact {
            targets = List.copyOf(targets);
        }

        /** The token's exact p, 0 if no input makes it the argmax. */
        public double p(int id) {
            return targets.stream().filter(t -> t.id() == id).mapToDouble(Target::p).findFirst().orElse(0);
        }

        /**
         * {@code count} distinct targets drawn uniformly, with {@code seed}, from those with low ≤ p ≤ high; all of
         * them, in decreasing p, if there are no more than count.
         */
        public List<Target> pick(double low, double high, int count, long seed) {
            if (!(low > 0 && low <= high && high <= 1) || count < 1) {
                throw new IllegalArgumentException("devsuite pick: need 0 < low <= high <= 1 and count >= 1, got low "
                        + low + ", high " + high + ", count " + count);
            }
            List<Target> in = new ArrayList<>(targets.stream().filter(t -> t.p() >= low && t.p() <= high).toList());
            if (in.isEmpty()) {
                throw new IllegalArgumentException("devsuite entry '" + entry + "' has no target with p in [" + low
                        + ", " + high + "]");
            }
            if (in.size() <= count) {
                return List.copyOf(in);
            }
            SplittableRandom random = new SplittableRandom(seed);
            for (int k = 0; k < count; k++) { // partial Fisher–Yates: the first count places are the draw
                int j = k + random.nextInt(in.size() - k);
                in.set(k, in.set(j, in.get(k)));
            }
            return List.copyOf(in.subList(0, count));
        }
    }

    /** Every entry, in the order of suite.json. */
    public static List<Entry> entries() {
        JsonObject suite = JsonParser.parseString(read("suite.json")).getAsJsonObject();
        List<Entry> entries = new ArrayList<>();
        for (JsonElement e : suite.getAsJsonArray("entries")) {
            JsonObject o = e.getAsJsonObject();
            String specName = o.get("spec").getAsString();
            entries.add(new Entry(o.get("name").getAsString(), o.get("model").getAsString(),
                    Split.valueOf(o.get("split").getAsString().toUpperCase().replace('-', '_')), specName,
                    read(specName + ".spec.json")));
        }
        return List.copyOf(entries);
    }

    /** The entries of one split. */
    public static List<Entry> entries(Split split) {
        return entries().stream().filter(e -> e.split() == split).toList();
    }

    /** The named entry; an unknown name is refused with the known ones. */
    public static Entry entry(String name) {
        List<Entry> all = entries();
        return all.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("devsuite has no entry '" + name + "'; entries are "
                        + all.stream().map(Entry::name).toList()));
    }

    /** Lower-case hex SHA-256 of the text's UTF-8 bytes. */
    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(String file) {
        try (InputStream in = DevSuite.class.getClassLoader().getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                throw new IllegalStateException("devsuite file " + FOLDER + file + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read devsuite file " + FOLDER + file + ": " + e.getMessage(), e);
        }
    }
}
