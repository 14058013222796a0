package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.inject.Guice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import lpe.api.LpeServer;
import lpe.api.RuntimeModule;
import lpe.api.ServerConfig;
import lpe.api.ServerModule;
import lpe.batching.BatcherConfig;
import lpe.jobs.JobsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lpe estimate|exact --server} against the real server (DJL engine, real estimators) on stories260K over
 * loopback, compared with the same commands run in-process: same request and seed, same result.
 */
class RealServerTest {

    @TempDir
    static Path dir;
    private static LpeServer server;
    private static String at;
    private static Path root;

    @BeforeAll
    static void start() {
        root = Shared.dir().resolve("models");
        var jobs = new JobsConfig(root, dir.resolve("jobs.db"), 4, 4, 1 << 20,
                new BatcherConfig(512, Duration.ofMillis(2)));
        var config = new ServerConfig(0, -1, null, null, null, List.of("stories260K"));
        server = Guice.createInjector(new ServerModule(config, jobs), new RuntimeModule()).getInstance(LpeServer.class)
                .start();
        at = "127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonObject json(String... args) {
        var run = CliRun.of(args);
        assertEquals(0, run.exit(), run.err());
        return JsonParser.parseString(run.lastLine()).getAsJsonObject();
    }

    private static void assertClose(JsonObject want, JsonObject got, String field) {
        double w = want.get(field).getAsDouble();
        // the server may cut rows into device batches of other shapes: agreement to float rounding
        assertEquals(w, got.get(field).getAsDouble(), 1e-5 * Math.abs(w), field);
    }

    @Test
    void estimateOnTheServerEqualsTheInProcessEstimateWithTheSameSeed() {
        String[] request = {"--dist", "hex", "--target", "id:400", "--method", "itgis", "--budget", "64", "--seed",
            "6", "--json"};
        JsonObject local = json(concat(new String[] {"estimate", "--model", root.resolve("stories260K").toString()},
                request));
        JsonObject remote = json(concat(new String[] {"estimate", "--model", "stories260K", "--server", at}, request));
        for (String field : List.of("estimate", "std_error", "ess")) {
            assertClose(local, remote, field);
        }
        assertEquals(local.get("ci95").getAsJsonArray().size(), remote.get("ci95").getAsJsonArray().size());
        for (String field : List.of("method", "target", "forward_passes", "backward_passes", "seed")) {
            assertEquals(local.get(field), remote.get(field), field);
        }
    }

    @Test
    void naiveAndItgisOnTheServerEqualTheInProcessRunBitForBit() throws Exception {
        Path spec = dir.resolve("same.json");
        Files.writeString(spec, GroundTruthCommandTest.SPEC);
        for (String method : List.of("naive", "itgis")) {
            // id 360: p about 0.04 under this spec, so both methods see hits in 256 samples
            String[] request = {"--dist", spec.toString(), "--target", "id:360", "--method", method, "--budget", "256",
                "--seed", "6", "--json"};
            JsonObject local = json(concat(new String[] {"estimate", "--model", root.resolve("stories260K").toString()},
                    request));
            JsonObject remote = json(concat(new String[] {"estimate", "--model", "stories260K", "--server", at},
                    request));
            for (String field : List.of("estimate", "std_error", "ci95", "ess", "forward_passes", "backward_passes")) {
                assertEquals(local.get(field), remote.get(field), method + " " + field);
            }
            assertTrue(local.get("estimate").getAsDouble() > 0, method + " saw hits: " + local);
        }
    }

    @Test
    void exactOnTheServerEqualsTheInProcessExactProbability() throws Exception {
        Path spec = dir.resolve("small.json");
        Files.writeString(spec, "{\"name\": \"small\", \"positions\": [{\"id\": 1}, {\"ids\": [300, 301, 302, 303, 304,"
                + " 305, 306, 307, 308, 309]}, {\"ids\": [310, 311, 312, 313, 314, 315, 316, 317, 318, 319]}]}");
        String[] request = {"--dist", spec.toString(), "--target", "▁mom", "--json"};
        JsonObject local = json(concat(new String[] {"exact", "--model", root.resolve("stories260K").toString()},
                request));
        JsonObject remote = json(concat(new String[] {"exact", "--model", "stories260K", "--server", at}, request));
        assertClose(local, remote, "probability");
        assertEquals(100, remote.get("inputs").getAsLong());
        assertEquals(local.get("inputs"), remote.get("inputs"));
    }

    @Test
    void groundTruthOnTheServerCountsEverySampleOnceAndAgreesWithExact() throws Exception {
        Path spec = dir.resolve("gt.json");
        Files.writeString(spec, "{\"name\": \"gt\", \"positions\": [{\"id\": 1}, {\"ids\": [300, 301, 302, 303, 304,"
                + " 305, 306, 307, 308, 309]}, {\"ids\": [310, 311, 312, 313, 314, 315, 316, 317, 318, 319]}]}");
        Path out = dir.resolve("counts.json");
        int n = 16; // small: the server answers 256 targets per naive job, and its cost grows with targets x samples
        var run = CliRun.of("ground-truth", "--server", at, "--model", "stories260K", "--dist", spec.toString(),
                "--samples", Integer.toString(n), "--seed", "3", "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        JsonObject counts = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals(n, counts.get("samples").getAsLong());
        var array = counts.getAsJsonArray("counts");
        assertEquals(512, array.size());
        long total = 0;
        for (var c : array) {
            total += c.getAsLong();
        }
        assertEquals(n, total, "every sample has exactly one argmax token");

        // against exact enumeration of the same 100 inputs, for the most frequent token: within 5 binomial sigmas
        int top = 0;
        for (int v = 0; v < array.size(); v++) {
            top = array.get(v).getAsLong() > array.get(top).getAsLong() ? v : top;
        }
        double p = json("exact", "--model", root.resolve("stories260K").toString(), "--dist", spec.toString(),
                "--target", "id:" + top, "--json").get("probability").getAsDouble();
        double frequency = array.get(top).getAsDouble() / n;
        assertEquals(p, frequency, 5 * Math.sqrt(p * (1 - p) / n), "token " + top);

        // the documented relation: through a server, the counts are those of lpe estimate --method naive, same seed
        for (int v : new int[] {top, 400}) {
            double naive = json("estimate", "--model", root.resolve("stories260K").toString(), "--dist", spec.toString(),
                    "--target", "id:" + v, "--method", "naive", "--budget", Integer.toString(n), "--seed", "3", "--json")
                    .get("estimate").getAsDouble();
            assertEquals(Math.round(naive * n), array.get(v).getAsLong(), "token " + v);
        }
    }

    @Test
    void badRequestsThroughTheServerAreOneLine() {
        var run = CliRun.of("estimate", "--model", "nosuchmodel", "--server", at, "--dist", "hex", "--target", "id:1",
                "--method", "itgis", "--budget", "64");
        assertEquals(1, run.exit());
        String line = run.oneLineError();
        assertTrue(line.startsWith("lpe estimate: ") && line.contains("nosuchmodel"), line);

        run = CliRun.of("estimate", "--model", "stories260K", "--server", at, "--dist", "hex", "--target", "id:99999",
                "--method", "itgis", "--budget", "64");
        assertEquals(1, run.exit());
        line = run.oneLineError();
        assertTrue(line.startsWith("lpe estimate: the server refused submitting the job: ") && line.contains("99999"),
                line);

        run = CliRun.of("estimate", "--model", "m", "--dist", "hex", "--target", "id:1", "--method", "itgis",
                "--detach");
        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("--detach: only with --server"), run.err());
    }

    private static String[] concat(String[] a, String[] b) {
        var all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
