package lpe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lpe bench paper} end to end on the bundled gelu-1l with the H200 ground truth of its hex preset, at a tiny
 * setting (4 targets, 128 samples, naive and GLD): what it records is checked against the ground-truth file itself
 * and against the IS loss worked out here, a rerun recomputes nothing, and bad input is one line.
 */
class PaperBenchTest {

    static final Path ROOT = Path.of(System.getProperty("lpe.home", "..")).toAbsolutePath().normalize();
    static final Path GROUND_TRUTH = ROOT.resolve("tools/gpu/results/gt-hex-gelu-1l.json");

    @TempDir
    Path dir;

    private String[] args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("paper", "--ground-truth", GROUND_TRUTH.toString(), "--targets", "4", "--methods", "naive,gld",
                "--model-root", ROOT.resolve("models").toString(), "--out", out.toString()));
        a.addAll(List.of(more));
        if (!a.contains("--budget")) {
            a.addAll(List.of("--budget", "128"));
        }
        return a.toArray(String[]::new);
    }

    @Test
    void aTinyEvaluationRecordsTheGroundTruthScoresItAndResumesWithoutRecomputing() throws Exception {
        Path out = dir.resolve("results.jsonl");
        BenchRun run = BenchRun.of(args(out, "--model", "gelu-1l", "--dist", "hex"));
        assertEquals(0, run.exit(), run.err());

        JsonObject truth = JsonParser.parseString(Files.readString(GROUND_TRUTH)).getAsJsonObject();
        JsonArray counts = truth.getAsJsonArray("counts");
        long samples = truth.get("samples").getAsLong();
        List<JsonObject> lines = Files.readAllLines(out).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        assertEquals("settings", lines.get(0).get("kind").getAsString());
        assertEquals("targets", lines.get(1).get("kind").getAsString());
        Set<Integer> targets = new HashSet<>();
        lines.get(1).getAsJsonArray("targets").forEach(t -> targets.add(t.getAsInt()));
        assertEquals(4, targets.size());
        List<JsonObject> estimates = lines.subList(2, lines.size());
        assertEquals(8, estimates.size());
        List<Double> naiveTruths = new ArrayList<>();
        boolean naiveAllZero = true;
        for (JsonObject e : estimates) {
            int target = e.get("target").getAsInt();
            assertTrue(targets.contains(target));
            double p = (double) counts.get(target).getAsLong() / samples;
            assertEquals(p, e.get("true_p").getAsDouble(), 0);
            assertTrue(p >= 1e-9 && p <= 1e-5, "target " + target + " has ground truth " + p);
            assertEquals(128, e.get("budget").getAsLong());
            if (e.get("method").getAsString().equals("naive")) {
                double hits = e.get("estimate").getAsDouble() * 128; // naive: hits / samples
                assertEquals(Math.rint(hits), hits, 1e-9);
                naiveTruths.add(p);
                naiveAllZero &= hits == 0;
            }
        }
        JsonObject scores = JsonParser.parseString(Files.readString(dir.resolve("results.scores.json"))).getAsJsonObject();
        assertEquals(2, scores.getAsJsonArray("cells").size());
        for (JsonElement c : scores.getAsJsonArray("cells")) {
            JsonObject cell = c.getAsJsonObject();
            assertEquals(4, cell.get("targets").getAsInt());
            if (cell.get("method").getAsString().equals("naive") && naiveAllZero) {
                // no hits: scored as the optimal constant, the mean true p, by hand
                double mean = naiveTruths.stream().mapToDouble(x -> x).average().orElseThrow();
                double loss = naiveTruths.stream().mapToDouble(p -> p / mean - Math.log(p / mean) - 1).average()
                        .orElseThrow();
                assertEquals(loss, cell.get("is_loss").getAsDouble(), 1e-12);
                assertEquals(4, cell.get("zeros").getAsInt());
            }
        }
        assertTrue(run.out().contains("gelu-1l: mean IS loss after the fit"), run.out());
        String scored = Files.readString(dir.resolve("results.scores.json"));
        BenchRun scoreOnly = BenchRun.of("paper", "--score-only", "--out", out.toString());
        assertEquals(0, scoreOnly.exit(), scoreOnly.err());
        assertEquals(scored, Files.readString(dir.resolve("results.scores.json")));

        String before = Files.readString(out);
        BenchRun again = BenchRun.of(args(out));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("0 jobs to run"), again.err());
        assertEquals(before, Files.readString(out));

        BenchRun other = BenchRun.of(args(out, "--budget", "256"));
        assertTrue(other.oneLineError().startsWith("lpe bench paper: --budget 256 differs from the 128 of "),
                other.err());
        assertEquals(before, Files.readString(out));
    }

    @Test
    void anUnknownMethodIsAOneLineError() {
        BenchRun run = BenchRun.of(args(dir.resolve("r.jsonl"), "--methods", "naive,nope"));
        assertTrue(run.oneLineError().startsWith("lpe bench paper: --methods: unknown method 'nope'; the server accepts"
                + " naive, itgis, itgis-ce, mhis, qld, gld, auto"), run.err());
    }

    @Test
    void aPairWithoutGroundTruthIsAOneLineError() {
        BenchRun run = BenchRun.of(args(dir.resolve("r.jsonl"), "--model", "gelu-1l", "--dist", "hex,camel"));
        assertEquals("lpe bench paper: pair gelu-1l/camel has no ground truth among --ground-truth; count it with lpe"
                + " ground-truth, or leave it out of --model/--dist", run.oneLineError());
        assertTrue(Files.notExists(dir.resolve("r.jsonl")));
    }

    @Test
    void groundTruthOfAnotherModelIsAOneLineError() {
        BenchRun run = BenchRun.of(args(dir.resolve("r.jsonl"), "--model", "gelu-2l"));
        assertEquals("lpe bench paper: --ground-truth " + GROUND_TRUTH + " counts model gelu-1l, not one of --model"
                + " gelu-2l", run.oneLineError());
    }
}
