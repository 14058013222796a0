package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import lpe.engine.DjlEngine;
import lpe.engine.EngineRequest;
import lpe.engine.Output;
import lpe.model.ModelReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lpe exact} and {@code lpe estimate} on stories260K: the CLI's JSON (docs/api.md#command-line-contract), reproducibility, bad input. */
class EstimateCommandsTest {
    static Path model;
    @TempDir
    static Path dir;
    static Path spec;

    @BeforeAll
    static void setUp() throws Exception {
        model = Shared.stories260K();
        spec = dir.resolve("tiny.json");
        Files.writeString(spec, """
                {"name": "tiny", "positions": [
                  {"token": "<s>"}, {"token": "▁Once"},
                  {"ids": [300, 301, 302, 303, 304, 305, 306, 307, 308, 309], "weights": [9, 8, 7, 6, 5, 4, 3, 2, 1, 1]},
                  {"ids": [400, 401, 402, 403, 404, 405, 406, 407, 408, 409]}]}
                """);
    }

    /** Exact probabilities of every argmax token over the 100 inputs, computed here row by row. */
    private static double[] reference() {
        var m = new ModelReader().read(model);
        double[] p = new double[512];
        double[] w = {9, 8, 7, 6, 5, 4, 3, 2, 1, 1};
        try (DjlEngine engine = new DjlEngine(m)) {
            for (int a = 0; a < 10; a++) {
                for (int b = 0; b < 10; b++) {
                    float[] logits = engine.run(new EngineRequest(new int[][] {{1, 403, 300 + a, 400 + b}},
                            EnumSet.of(Output.LOGITS), null)).logits()[0];
                    int best = 0;
                    for (int v = 1; v < logits.length; v++) {
                        best = logits[v] > logits[best] ? v : best;
                    }
                    p[best] += w[a] / 46.0 / 10.0;
                }
            }
        }
        return p;
    }

    @Test
    void exactPrintsTheContractJsonAndAgreesWithRowByRowArgmax() {
        double[] p = reference();
        int target = 0;
        for (int v = 0; v < p.length; v++) {
            target = p[v] > 0 && (p[target] == 0 || p[v] < p[target]) ? v : target;
        }
        CliRun run = CliRun.of("exact", "--model", model.toString(), "--dist", spec.toString(), "--target", "id:" + target, "--json");
        assertEquals(0, run.exit(), run.err());
        JsonObject json = run.json();
        assertEquals(Set.of("probability", "inputs", "seconds"), json.keySet());
        assertEquals(p[target], json.get("probability").getAsDouble(), 1e-12);
        assertEquals(100, json.get("inputs").getAsLong());
    }

    @Test
    void estimatePrintsTheContractJsonAndTheSameSeedGivesTheSameEstimate() {
        String[] args = {"estimate", "--model", model.toString(), "--dist", spec.toString(), "--target", "id:300",
            "--method", "itgis", "--budget", "64", "--seed", "42", "--json"};
        CliRun first = CliRun.of(args);
        assertEquals(0, first.exit(), first.err());
        JsonObject json = first.json();
        assertEquals(new TreeSet<>(Set.of("method", "target", "estimate", "std_error", "ci95", "interval_kind",
                "upper_bound_only", "ess", "forward_passes", "backward_passes", "seconds", "seed")),
                new TreeSet<>(json.keySet()));
        assertEquals("itgis", json.get("method").getAsString());
        assertEquals(300, json.getAsJsonObject("target").get("id").getAsInt());
        assertEquals(new ModelReader().read(model).vocabulary().token(300),
                json.getAsJsonObject("target").get("token").getAsString());
        assertEquals(64, json.get("forward_passes").getAsLong());
        assertEquals(64, json.get("backward_passes").getAsLong());
        assertEquals(42, json.get("seed").getAsLong());
        assertEquals(2, json.getAsJsonArray("ci95").size());
        JsonObject again = CliRun.of(args).json();
        assertEquals(json.get("estimate"), again.get("estimate"));
        assertEquals(json.get("std_error"), again.get("std_error"));
        args[12] = "43";
        JsonObject other = CliRun.of(args).json();
        assertNotEquals(json.get("ess"), other.get("ess"));
    }

    @Test
    void badInputGetsAnErrorNamingTheFieldAndTheReason() {
        String m = model.toString();
        String s = spec.toString();
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "magic"),
                "--method: method 'magic' is unknown; use one of naive, itgis, itgis-ce, mhis, qld, gld, auto");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "itgis",
                "--defensive-share", "1"), "--defensive-share: must be in (0, 1), got 1.0");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "itgis",
                "--pilot-fraction", "0.6"), "--pilot-fraction: must be in (0, 0.5], got 0.6");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "itgis",
                "--temperature-rule", "table"), "--temperature-rule: 'table' is unknown; use adaptive or paper-table");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "naive", "--budget", "0"),
                "budget must be a positive number of samples, got 0");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "naive", "--budget", "-3"),
                "budget must be a positive number of samples, got -3");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "itgis",
                "--temperature", "-1"), "temperature must be in (0, 1000.0]");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "itgis",
                "--temperature", "1e9"), "temperature must be in (0, 1000.0]");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:512", "--method", "naive"),
                "--target: id 512 is outside the vocabulary [0, 512)");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "▁zzzzz", "--method", "naive"),
                "--target: '▁zzzzz' is not a token of this vocabulary");
        assertError(CliRun.of("estimate", "--model", m, "--dist", "nonsense", "--target", "id:300", "--method", "naive"),
                "--dist: dist: 'nonsense' is neither a preset");
        assertError(CliRun.of("estimate", "--model", m, "--dist", s, "--target", "id:300", "--method", "naive",
                "--behavior", "sample:0"), "--behavior: behavior temperature must be in (0, 1e6], got 0.0");
        assertError(CliRun.of("exact", "--model", m, "--dist", "hex", "--target", "id:300"),
                "too many to enumerate; exact enumeration is limited to 2^22 = 4194304");
    }

    private static void assertError(CliRun run, String expected) {
        assertNotEquals(0, run.exit(), "should fail: " + expected);
        assertTrue(run.err().contains(expected), "stderr should contain '" + expected + "':\n" + run.err());
    }
}
