package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lpe ground-truth} on the DJL engine (stories260K, 100 inputs): shards of one seed merge into exactly one
 * run's counts, resuming continues a run to the same counts, the counts agree with exact enumeration, and every bad
 * input (resuming or merging what does not belong together) is one line that names it and leaves the files as they
 * were. Shards of the native engine as N processes at once are here too (child JVMs: DJL's libtorch and the native
 * engine's cannot share one process).
 */
class GroundTruthCommandTest {

    /** Ids only, so that it builds on stories260K's vocabulary and gelu-1l's alike. */
    static final String SPEC = "{\"name\": \"gt\", \"positions\": [{\"id\": 1},"
            + " {\"ids\": [300, 301, 302, 303, 304, 305, 306, 307, 308, 309], \"weights\": [9, 8, 7, 6, 5, 4, 3, 2, 1, 1]},"
            + " {\"ids\": [400, 401, 402, 403, 404, 405, 406, 407, 408, 409]}]}";

    @TempDir
    static Path dir;
    static String model;
    static String spec;

    @BeforeAll
    static void setUp() throws IOException {
        model = Shared.stories260K().toString();
        spec = dir.resolve("gt.json").toString();
        Files.writeString(Path.of(spec), SPEC);
    }

    static JsonObject file(Path p) throws IOException {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    static long[] counts(Path p) throws IOException {
        var a = file(p).getAsJsonArray("counts");
        long[] c = new long[a.size()];
        for (int v = 0; v < c.length; v++) {
            c[v] = a.get(v).getAsLong();
        }
        return c;
    }

    static void ok(CliRun run) {
        assertEquals(0, run.exit(), run.err());
    }

    static CliRun count(Path out, String samples, String seed, String... more) {
        List<String> args = new ArrayList<>(List.of("ground-truth", "--model", model, "--dist", spec, "--samples",
                samples, "--seed", seed, "--out", out.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** Fails unless the run failed with exactly one line on stderr that contains {@code expected}. */
    static void assertRefused(CliRun run, String expected) {
        assertNotEquals(0, run.exit(), "should fail: " + expected);
        String line = run.err().strip();
        assertEquals(1, line.lines().count(), "one line:\n" + run.err());
        assertTrue(line.contains(expected), "stderr should contain '" + expected + "':\n" + run.err());
    }

    @Test
    void shardsOfOneSeedMergeIntoExactlyOneRunsCounts() throws IOException {
        Path whole = dir.resolve("whole.json");
        ok(count(whole, "1200", "3"));
        List<Path> shards = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Path shard = dir.resolve("shard-" + i + ".json");
            ok(count(shard, "1200", "3", "--shard", i + "/3"));
            assertEquals(400, file(shard).get("samples").getAsLong());
            shards.add(shard);
        }
        Path merged = dir.resolve("merged.json");
        ok(CliRun.of("ground-truth", "--merge", shards.get(2).toString(), shards.get(0).toString(),
                shards.get(1).toString(), "--out", merged.toString()));
        assertArrayEquals(counts(whole), counts(merged));
        JsonObject m = file(merged);
        assertEquals(1200, m.get("samples").getAsLong());
        assertEquals(3, m.getAsJsonArray("shards").size());
        assertEquals(3, m.getAsJsonArray("commands").size());
        JsonObject w = file(whole);
        for (String field : List.of("model", "model_sha256", "dist", "dist_sha256", "engine", "precision", "device",
                "seed", "samples_all_shards")) {
            assertEquals(w.get(field), m.get(field), field);
        }
        assertEquals("djl", w.get("engine").getAsString());
        assertEquals("fp32", w.get("precision").getAsString());
        assertEquals("cpu", w.get("device").getAsString());
        assertEquals(64, w.get("model_sha256").getAsString().length());
        assertTrue(w.getAsJsonArray("commands").get(0).getAsString().startsWith("lpe ground-truth --model "));
    }

    @Test
    void countsAgreeWithExactEnumeration() throws IOException {
        Path out = dir.resolve("exact-check.json");
        int n = 1500;
        ok(count(out, Integer.toString(n), "11"));
        long[] c = counts(out);
        assertEquals(n, java.util.Arrays.stream(c).sum(), "every sample has exactly one argmax token");
        for (int v = 0; v < c.length; v++) {
            if (c[v] >= 50) { // every frequent token: within 5 binomial sigmas of its exact probability
                CliRun exact = CliRun.of("exact", "--model", model, "--dist", spec, "--target", "id:" + v, "--json");
                ok(exact);
                double p = exact.json().get("probability").getAsDouble();
                assertEquals(p, (double) c[v] / n, 5 * Math.sqrt(p * (1 - p) / n), "token " + v);
            }
        }
    }

    @Test
    void anInterruptedRunResumesToTheCountsOfOneRun() throws IOException {
        Path whole = dir.resolve("resume-whole.json");
        ok(count(whole, "1000", "5", "--shard", "1/2"));
        // shard 1/2 stopped after 300 of its 500 samples: samples [0, 300), which shards 1..3 of 10 count
        List<String> merge = new ArrayList<>(List.of("ground-truth", "--merge"));
        for (int i = 1; i <= 3; i++) {
            Path p = dir.resolve("resume-" + i + "of10.json");
            ok(count(p, "1000", "5", "--shard", i + "/10"));
            merge.add(p.toString());
        }
        Path partial = dir.resolve("resume-partial.json");
        merge.addAll(List.of("--out", partial.toString()));
        ok(CliRun.of(merge.toArray(String[]::new)));
        JsonObject o = file(partial);
        JsonObject part = new JsonObject();
        part.addProperty("shard", "1/2");
        part.addProperty("first", 0);
        part.addProperty("end", 500);
        part.addProperty("counted", 300);
        var shards = new com.google.gson.JsonArray();
        shards.add(part);
        o.add("shards", shards);
        Files.writeString(partial, o.toString());

        Path later = dir.resolve("resume-2of2.json");
        ok(count(later, "1000", "5", "--shard", "2/2"));
        assertRefused(CliRun.of("ground-truth", "--merge", later.toString(), partial.toString(), "--out",
                dir.resolve("never.json").toString()), "--merge: a gap: samples [300, 500) of seed 5 are in no file;"
                + " shard 1/2 of " + partial + " has counted 300 of its 500 samples (run it again to finish it)");
        ok(count(partial, "1000", "5", "--shard", "1/2"));
        assertArrayEquals(counts(whole), counts(partial));
        assertEquals(500, file(partial).get("samples").getAsLong());
        assertEquals(List.of(0L, 500L, 500L), List.of(file(partial).getAsJsonArray("shards").get(0).getAsJsonObject()
                .get("first").getAsLong(), file(partial).getAsJsonArray("shards").get(0).getAsJsonObject().get("end")
                .getAsLong(), file(partial).getAsJsonArray("shards").get(0).getAsJsonObject().get("counted").getAsLong()));
        ok(CliRun.of("ground-truth", "--merge", later.toString(), partial.toString(), "--out",
                dir.resolve("resume-all.json").toString()));
    }

    @Test
    void aGapOrASampleCountedTwiceIsRefusedByName() throws IOException {
        Path a = dir.resolve("m-1of3.json");
        Path c = dir.resolve("m-3of3.json");
        Path half = dir.resolve("m-1of2.json");
        ok(count(a, "900", "8", "--shard", "1/3"));
        ok(count(c, "900", "8", "--shard", "3/3"));
        ok(count(half, "900", "8", "--shard", "1/2"));
        Path out = dir.resolve("m-out.json");
        assertRefused(CliRun.of("ground-truth", "--merge", a.toString(), c.toString(), "--out", out.toString()),
                "--merge: a gap: samples [300, 600) of seed 8 are in no file; no file has the shard between shard 1/3 of "
                        + a + " and shard 3/3 of " + c);
        assertRefused(CliRun.of("ground-truth", "--merge", a.toString(), a.toString(), "--out", out.toString()),
                "both count samples from 0 of seed 8");
        assertRefused(CliRun.of("ground-truth", "--merge", c.toString(), half.toString(), a.toString(), "--out",
                out.toString()), "(shard 1/3) and " + half + " (shard 1/2) both count samples from 0 of seed 8");
        Path otherSeed = dir.resolve("m-seed9.json");
        ok(count(otherSeed, "900", "9", "--shard", "2/3"));
        assertRefused(CliRun.of("ground-truth", "--merge", a.toString(), otherSeed.toString(), "--out", out.toString()),
                "count different things: --seed 8 vs 9");
        Path otherSamples = dir.resolve("m-samples.json");
        ok(count(otherSamples, "600", "8", "--shard", "2/2"));
        assertRefused(CliRun.of("ground-truth", "--merge", a.toString(), otherSamples.toString(), "--out",
                out.toString()), "count different things: --samples 900 vs 600");
        assertTrue(Files.notExists(out), "nothing written");
    }

    @Test
    void resumingWithOtherArgumentsIsRefusedAndLeavesTheFile() throws IOException {
        Path out = dir.resolve("r.json");
        ok(count(out, "400", "2", "--shard", "1/2"));
        String before = Files.readString(out);
        assertRefused(count(out, "400", "5", "--shard", "1/2"), "--out: " + out + " counts something else, so it is"
                + " not resumed (given vs in the file: --seed 5 vs 2); give the same arguments or another --out");
        assertRefused(count(out, "500", "2", "--shard", "1/2"), "--samples 500 vs 400");
        assertRefused(count(out, "400", "2", "--shard", "2/2"), "--shard 2/2 vs 1/2");
        Path otherDist = dir.resolve("other-dist.json");
        Files.writeString(otherDist, SPEC.replace("409]", "410]"));
        assertRefused(CliRun.of("ground-truth", "--model", model, "--dist", otherDist.toString(), "--samples", "400",
                "--seed", "2", "--shard", "1/2", "--out", out.toString()), "--dist " + otherDist + " (sha256 ");
        // a file from another model: the bundled gelu-1l, same ids
        String gelu = Path.of(System.getProperty("lpe.home", "..")).resolve("models/gelu-1l").toString();
        assertRefused(CliRun.of("ground-truth", "--model", gelu, "--dist", spec, "--samples", "400", "--seed", "2",
                "--shard", "1/2", "--out", out.toString()), "--model " + gelu + " (weights sha256 ");
        Path geluFile = dir.resolve("gelu.json");
        ok(CliRun.of("ground-truth", "--model", gelu, "--dist", spec, "--samples", "400", "--seed", "2", "--shard",
                "2/2", "--out", geluFile.toString()));
        assertRefused(CliRun.of("ground-truth", "--merge", out.toString(), geluFile.toString(), "--out",
                dir.resolve("r-merged.json").toString()), "count different things: --model " + model);
        assertEquals(before, Files.readString(out), "the file is untouched");
    }

    @Test
    void badArgumentsAreOneLineNamingTheField() throws IOException {
        Path out = dir.resolve("bad.json");
        assertRefused(count(out, "0", "1"), "--samples: must be positive, got 0");
        assertRefused(count(out, "10", "1", "--shard", "0/3"), "--shard: expected I/N with whole numbers 1 <= I <= N,"
                + " got '0/3'");
        assertRefused(count(out, "10", "1", "--shard", "4/3"), "--shard: expected I/N");
        assertRefused(count(out, "10", "1", "--shard", "x"), "--shard: expected I/N");
        assertRefused(count(out, "2", "1", "--shard", "1/3"), "--shard: 1/3 slices 2 samples into more shards than"
                + " samples");
        assertRefused(count(out, "10", "1", "--batch", "64"), "--batch: only with --engine native");
        assertRefused(count(out, "10", "1", "--engine", "onnx"), "--engine onnx is not supported; expected djl or"
                + " native");
        assertRefused(count(out, "10", "1", "--precision", "bf16"), "--engine djl runs on --device cpu in fp32 only");
        assertRefused(CliRun.of("ground-truth", "--model", model, "--out", out.toString()),
                "--dist, --samples: required (or --merge)");
        Path notCounts = dir.resolve("not-counts.json");
        Files.writeString(notCounts, "{\"model\": \"x\"}");
        assertRefused(CliRun.of("ground-truth", "--merge", notCounts.toString(), "--out", out.toString()),
                notCounts + ": not a ground-truth counts file of format lpe-ground-truth/2");
        assertRefused(CliRun.of("ground-truth", "--merge", dir.resolve("missing.json").toString(), "--out",
                out.toString()), "missing.json: cannot read");
        assertTrue(Files.notExists(out));
    }

    /**
     * Two native shards and the whole native run as three processes at once (as on N GPUs): the shards merge into the
     * whole run's counts, and a native file does not merge with a DJL one.
     */
    @Test
    void nativeShardsAsProcessesAtOnceMergeIntoOneRunsCounts() throws Exception {
        Path whole = dir.resolve("n-whole.json");
        Path one = dir.resolve("n-1.json");
        Path two = dir.resolve("n-2.json");
        List<Process> processes = new ArrayList<>();
        processes.add(lpe(whole, "--engine", "native", "--batch", "97"));
        processes.add(lpe(one, "--engine", "native", "--shard", "1/2"));
        processes.add(lpe(two, "--engine", "native", "--shard", "2/2", "--batch", "64"));
        for (Process p : processes) {
            String output = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), output);
        }
        Path merged = dir.resolve("n-merged.json");
        ok(CliRun.of("ground-truth", "--merge", one.toString(), two.toString(), "--out", merged.toString()));
        assertArrayEquals(counts(whole), counts(merged));
        assertEquals("native", file(whole).get("engine").getAsString());
        assertEquals(1000, java.util.Arrays.stream(counts(whole)).sum());

        Path djl = dir.resolve("n-djl.json");
        ok(count(djl, "1000", "4", "--shard", "1/2"));
        assertRefused(CliRun.of("ground-truth", "--merge", djl.toString(), two.toString(), "--out",
                dir.resolve("n-never.json").toString()), "count different things: --engine djl vs native");
    }

    /** lpe ground-truth in a child JVM, --samples 1000 --seed 4; stdout and stderr together. */
    private static Process lpe(Path out, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dlpe.home=" + System.getProperty("lpe.home", ".."),
                "-cp", System.getProperty("java.class.path"), "lpe.cli.Lpe", "ground-truth", "--model", model,
                "--dist", spec, "--samples", "1000", "--seed", "4", "--out", out.toString()));
        command.addAll(List.of(more));
        if (System.getProperty("lpe.native.library") != null) {
            command.add(1, "-Dlpe.native.library=" + System.getProperty("lpe.native.library"));
        }
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
