package lpe.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A ground-truth counts file: what was counted (model and distribution with their SHA-256, engine, precision, device
 * kind, seed, the --samples that all shards share), which samples of that seed's stream (one part per shard, each
 * counted from its first sample on), the commands that counted them, and the argmax count of every token.
 *
 * <p>Rules: a run resumes a file only with the same {@link Setup} and shard; merging needs one {@link Setup}
 * (names and paths may differ, the digests may not), no sample counted twice, and no gap between the files' samples.
 */
record CountsFile(Setup setup, List<Part> parts, List<String> commands, long[] counts) {

    static final String FORMAT = "lpe-ground-truth/2";

    /** What a file counts. {@code samples} is --samples, the size of the stream that the shards slice. */
    record Setup(String model, String modelSha256, String dist, String distSha256, String engine, String precision,
            String device, long seed, long samples) {

        /** The first difference from {@code other} as "OPTION: A here, B there", or null when they count alike. */
        String difference(Setup other) {
            String[][] fields = {
                {"--model", model + " (weights sha256 " + modelSha256 + ")", other.model + " (weights sha256 "
                        + other.modelSha256 + ")", modelSha256, other.modelSha256},
                {"--dist", dist + " (sha256 " + distSha256 + ")", other.dist + " (sha256 " + other.distSha256 + ")",
                    distSha256, other.distSha256},
                {"--engine", engine, other.engine, engine, other.engine},
                {"--precision", precision, other.precision, precision, other.precision},
                {"--device", device, other.device, device, other.device},
                {"--seed", Long.toString(seed), Long.toString(other.seed), Long.toString(seed), Long.toString(other.seed)},
                {"--samples", Long.toString(samples), Long.toString(other.samples), Long.toString(samples),
                    Long.toString(other.samples)},
            };
            for (String[] f : fields) {
                if (!f[3].equals(f[4])) {
                    return f[0] + " " + f[1] + " vs " + f[2];
                }
            }
            return null;
        }
    }

    /** Shard {@code shard} covers samples [first, end); [first, first + counted) of them are counted. */
    record Part(String shard, long first, long end, long counted) {
        long countedEnd() {
            return first + counted;
        }
    }

    /** The samples counted, over all parts. */
    long samples() {
        return parts.stream().mapToLong(Part::counted).sum();
    }

    /** Reads a file; anything that is not a counts file of this format is a one-line error naming the file. */
    static CountsFile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            if (!o.has("format") || !FORMAT.equals(o.get("format").getAsString())) {
                throw new UserError(file + ": not a ground-truth counts file of format " + FORMAT);
            }
            Setup setup = new Setup(string(o, "model", file), string(o, "model_sha256", file), string(o, "dist", file),
                    string(o, "dist_sha256", file), string(o, "engine", file), string(o, "precision", file),
                    string(o, "device", file), field(o, "seed", file).getAsLong(),
                    field(o, "samples_all_shards", file).getAsLong());
            List<Part> parts = new ArrayList<>();
            for (JsonElement e : field(o, "shards", file).getAsJsonArray()) {
                JsonObject p = e.getAsJsonObject();
                parts.add(new Part(string(p, "shard", file), field(p, "first", file).getAsLong(),
                        field(p, "end", file).getAsLong(), field(p, "counted", file).getAsLong()));
            }
            List<String> commands = new ArrayList<>();
            for (JsonElement e : field(o, "commands", file).getAsJsonArray()) {
                commands.add(e.getAsString());
            }
            JsonArray c = field(o, "counts", file).getAsJsonArray();
            long[] counts = new long[c.size()];
            for (int v = 0; v < counts.length; v++) {
                counts[v] = c.get(v).getAsLong();
            }
            return new CountsFile(setup, parts, commands, counts);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            throw new UserError(file + ": not a ground-truth counts file (" + e.getMessage() + ")", e);
        }
    }

    private static JsonElement field(JsonObject o, String name, Path file) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            throw new UserError(file + ": not a ground-truth counts file (no '" + name + "')");
        }
        return e;
    }

    private static String string(JsonObject o, String name, Path file) {
        return field(o, name, file).getAsString();
    }

    /** Writes to a temporary file beside {@code file}, then renames it over: a crash never leaves half a file. */
    void write(Path file) {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("model", setup.model());
        o.addProperty("model_sha256", setup.modelSha256());
        o.addProperty("dist", setup.dist());
        o.addProperty("dist_sha256", setup.distSha256());
        o.addProperty("engine", setup.engine());
        o.addProperty("precision", setup.precision());
        o.addProperty("device", setup.device());
        o.addProperty("seed", setup.seed());
        o.addProperty("samples_all_shards", setup.samples());
        o.addProperty("samples", samples());
        JsonArray shards = new JsonArray();
        for (Part p : parts) {
            JsonObject s = new JsonObject();
            s.addProperty("shard", p.shard());
            s.addProperty("first", p.first());
            s.addProperty("end", p.end());
            s.addProperty("counted", p.counted());
            shards.add(s);
        }
        o.add("shards", shards);
        JsonArray c = new JsonArray();
        commands.forEach(c::add);
        o.add("commands", c);
        JsonArray counted = new JsonArray();
        for (long x : counts) {
            counted.add(x);
        }
        o.add("counts", counted);
        try {
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, o.toString());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * The sum of {@code files}: refused, naming the files, when they count different setups, when a sample is counted
     * in two of them (the same shard twice, or shards of different N that overlap), or when samples between the first
     * and the last file's are in none (a missing shard, or a shard not yet finished before a later one).
     */
    static CountsFile merge(List<Path> files) {
        List<CountsFile> read = files.stream().map(CountsFile::read).toList();
        CountsFile first = read.get(0);
        record Located(Part part, Path file) {}
        List<Located> parts = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        long[] total = new long[first.counts().length];
        for (int k = 0; k < read.size(); k++) {
            CountsFile f = read.get(k);
            String difference = first.setup().difference(f.setup());
            if (difference != null) {
                throw new UserError("--merge: " + files.get(0) + " and " + files.get(k) + " count different things: "
                        + difference);
            }
            if (f.counts().length != total.length) {
                throw new UserError("--merge: " + files.get(k) + " has " + f.counts().length + " counts, "
                        + files.get(0) + " " + total.length);
            }
            for (Part p : f.parts()) {
                parts.add(new Located(p, files.get(k)));
            }
            commands.addAll(f.commands());
            for (int v = 0; v < total.length; v++) {
                total[v] += f.counts()[v];
            }
        }
        parts.sort(Comparator.comparingLong((Located l) -> l.part().first()).thenComparingLong(l -> l.part().end()));
        for (int k = 1; k < parts.size(); k++) {
            Located before = parts.get(k - 1);
            Located next = parts.get(k);
            long seed = first.setup().seed();
            if (next.part().first() < before.part().countedEnd()) {
                throw new UserError("--merge: " + before.file() + " (shard " + before.part().shard() + ") and "
                        + next.file() + " (shard " + next.part().shard() + ") both count samples from "
                        + next.part().first() + " of seed " + seed + "; each sample may be counted once");
            }
            if (next.part().first() > before.part().countedEnd()) {
                String why = before.part().countedEnd() < before.part().end()
                        ? "shard " + before.part().shard() + " of " + before.file() + " has counted "
                                + before.part().counted() + " of its " + (before.part().end() - before.part().first())
                                + " samples (run it again to finish it)"
                        : "no file has the shard between shard " + before.part().shard() + " of " + before.file()
                                + " and shard " + next.part().shard() + " of " + next.file();
                throw new UserError("--merge: a gap: samples [" + before.part().countedEnd() + ", "
                        + next.part().first() + ") of seed " + seed + " are in no file; " + why);
            }
        }
        return new CountsFile(first.setup(), parts.stream().map(Located::part).toList(), commands, total);
    }
}
