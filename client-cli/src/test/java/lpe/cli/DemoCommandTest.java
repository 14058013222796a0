package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import lpe.model.Model;
import lpe.model.ModelReader;
import org.junit.jupiter.api.Test;

/** The demo's fixed choice holds against its recorded ground truth, and the command prints the contract's JSON. */
class DemoCommandTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void targetLiesBetween1e8And1e6InTheRecordedGroundTruth() throws Exception {
        Model model = new ModelReader().read(ROOT.resolve(DemoCommand.MODEL));
        int target = model.vocabulary().id(DemoCommand.TARGET).orElseThrow();
        JsonObject truth = JsonParser.parseString(
                Files.readString(ROOT.resolve("tools/gpu/results/gt-hex-gelu-1l.json"))).getAsJsonObject();
        long samples = truth.get("samples").getAsLong();
        long count = truth.getAsJsonArray("counts").get(target).getAsLong();
        double p = (double) count / samples;
        assertEquals(model.vocabulary().size(), truth.getAsJsonArray("counts").size());
        assertTrue(p >= 1e-8 && p <= 1e-6, "ground truth of the demo target: " + p);
        assertTrue(DemoCommand.REFERENCE.contains(count + " of " + String.format("%,d", samples)),
                "the printed reference must quote the recorded counts: " + DemoCommand.REFERENCE);
    }

    @Test
    void refusedInputIsOneLineNamingTheFieldNotAnInternalError() {
        System.setProperty("lpe.home", ROOT.toString());
        CliRun run = CliRun.of("demo", "--budget", "0");
        assertEquals(OneLineErrors.EXIT_FAILED, run.exit());
        assertEquals("lpe demo: budget must be a positive number of samples, got 0", run.oneLineError());
    }

    @Test
    void printsTheEstimateJsonWithItsReference() {
        System.setProperty("lpe.home", ROOT.toString());
        CliRun run = CliRun.of("demo", "--budget", "512", "--json");
        assertEquals(0, run.exit(), run.err());
        JsonObject o = run.json();
        assertEquals("itgis", o.get("method").getAsString());
        assertEquals(DemoCommand.TARGET, o.getAsJsonObject("target").get("token").getAsString());
        assertEquals(512, o.get("forward_passes").getAsLong());
        assertEquals(512, o.get("backward_passes").getAsLong());
        assertEquals(DemoCommand.SEED, o.get("seed").getAsLong());
        double lo = o.getAsJsonArray("ci95").get(0).getAsDouble();
        double hi = o.getAsJsonArray("ci95").get(1).getAsDouble();
        double estimate = o.get("estimate").getAsDouble();
        assertTrue(lo <= estimate && estimate <= hi, "interval must contain the estimate: " + o);
        assertEquals(DemoCommand.REFERENCE, o.get("reference").getAsString());
    }
}
