package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
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
import lpe.engine.NativeLibrary;
import lpe.engine.NativePrecision;
import lpe.jobs.JobsConfig;
import lpe.jobs.NativeModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --engine native} (CPU) on the computing commands: the same seed gives the same estimate in-process and through
 * a server that runs the native engine; exact agrees the same way; the native ground-truth loop counts within binomial
 * error of exact enumeration, resumes, and a file of another precision does not merge. (A JVM of its own: see the pom.)
 */
class NativeEngineChoiceTest {

    private static final String[] NATIVE = {"--engine", "native", "--device", "cpu", "--precision", "fp32"};

    @TempDir
    static Path dir;
    private static LpeServer server;
    private static String at;
    private static String model;
    private static String spec;

    @BeforeAll
    static void start() throws Exception {
        Path root = Shared.dir().resolve("models");
        model = root.resolve("stories260K").toString();
        spec = dir.resolve("gt.json").toString();
        Files.writeString(Path.of(spec), GroundTruthCommandTest.SPEC);
        var jobs = new JobsConfig(root, dir.resolve("jobs.db"), 4, 4, 1 << 20,
                new BatcherConfig(512, Duration.ofMillis(2)));
        var config = new ServerConfig(0, -1, null, null, null, List.of("stories260K"));
        var models = new NativeModels(NativeLibrary.load(), "cpu", NativePrecision.FP32);
        server = Guice.createInjector(new ServerModule(config, jobs), new RuntimeModule(models))
                .getInstance(LpeServer.class).start();
        at = "127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonObject json(String... args) {
        var run = CliRun.of(args);
        assertEquals(0, run.exit(), run.err());
        return run.json();
    }

    private static String[] with(String[] a, String... b) {
        var all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void theSameSeedGivesTheSameEstimateInProcessAndThroughANativeServer() {
        for (String method : List.of("naive", "itgis")) {
            // id 360: p about 0.04 under this spec, so both methods see hits in 256 samples
            String[] request = {"--dist", spec, "--target", "id:360", "--method", method, "--budget", "256", "--seed",
                "6", "--json"};
            JsonObject local = json(with(with(new String[] {"estimate", "--model", model}, request), NATIVE));
            JsonObject remote = json(with(new String[] {"estimate", "--model", "stories260K", "--server", at}, request));
            for (String field : List.of("method", "target", "estimate", "std_error", "ci95", "ess", "forward_passes",
                    "backward_passes", "seed")) {
                assertEquals(local.get(field), remote.get(field), method + " " + field);
            }
            assertTrue(local.get("estimate").getAsDouble() > 0, method + " saw hits: " + local);
        }
    }

    @Test
    void exactInProcessEqualsExactThroughANativeServer() {
        String[] request = {"--dist", spec, "--target", "id:" + 400, "--json"};
        JsonObject local = json(with(with(new String[] {"exact", "--model", model}, request), NATIVE));
        JsonObject remote = json(with(new String[] {"exact", "--model", "stories260K", "--server", at}, request));
        assertEquals(local.get("probability"), remote.get("probability"));
        assertEquals(100, local.get("inputs").getAsLong());
    }

    @Test
    void nativeGroundTruthAgreesWithExactResumesAndRefusesAnotherPrecision() throws Exception {
        Path out = dir.resolve("native.json");
        int n = 2000;
        CliRun run = CliRun.of(with(new String[] {"ground-truth", "--model", model, "--dist", spec, "--samples",
            Integer.toString(n), "--seed", "7", "--batch", "128", "--out", out.toString()}, NATIVE));
        assertEquals(0, run.exit(), run.err());
        long[] counts = GroundTruthCommandTest.counts(out);
        assertEquals(n, java.util.Arrays.stream(counts).sum());
        for (int v = 0; v < counts.length; v++) {
            if (counts[v] >= 50) { // within 5 binomial sigmas of exact enumeration on the same engine
                double p = json(with(new String[] {"exact", "--model", model, "--dist", spec, "--target", "id:" + v,
                    "--json"}, NATIVE)).get("probability").getAsDouble();
                assertEquals(p, (double) counts[v] / n, 5 * Math.sqrt(p * (1 - p) / n), "token " + v);
            }
        }
        // running a finished file again changes nothing
        run = CliRun.of(with(new String[] {"ground-truth", "--model", model, "--dist", spec, "--samples",
            Integer.toString(n), "--seed", "7", "--out", out.toString()}, NATIVE));
        assertEquals(0, run.exit(), run.err());
        assertArrayEquals(counts, GroundTruthCommandTest.counts(out));

        Path first = dir.resolve("fp32-1.json");
        Path second = dir.resolve("bf16-2.json");
        assertEquals(0, CliRun.of("ground-truth", "--model", model, "--dist", spec, "--samples", "200", "--shard",
                "1/2", "--engine", "native", "--out", first.toString()).exit());
        run = CliRun.of("ground-truth", "--model", model, "--dist", spec, "--samples", "200", "--shard", "2/2",
                "--engine", "native", "--precision", "bf16", "--out", second.toString());
        assertEquals(0, run.exit(), run.err());
        GroundTruthCommandTest.assertRefused(CliRun.of("ground-truth", "--merge", first.toString(), second.toString(),
                "--out", dir.resolve("never.json").toString()), "count different things: --precision fp32 vs bf16");
        GroundTruthCommandTest.assertRefused(CliRun.of("ground-truth", "--model", model, "--dist", spec, "--samples",
                "200", "--shard", "2/2", "--engine", "native", "--out", second.toString()),
                "(given vs in the file: --precision fp32 vs bf16)");
    }

    @Test
    void theDemoRunsOnTheNativeEngineAsTheEstimateCommandDoes() {
        DemoCommandTest.assertDemoEqualsEstimate(NATIVE);
    }

    @Test
    void engineOptionsAreRefusedWithServerByName() {
        GroundTruthCommandTest.assertRefused(CliRun.of("estimate", "--model", "stories260K", "--server", at, "--dist",
                "hex", "--target", "id:1", "--method", "naive", "--engine", "native"), "--engine: not available with"
                + " --server (the server's engine runs the rows; choose it with lpe serve --engine)");
        GroundTruthCommandTest.assertRefused(CliRun.of("exact", "--model", "stories260K", "--server", at, "--dist",
                spec, "--target", "id:1", "--precision", "bf16"), "--precision: not available with --server");
    }
}
