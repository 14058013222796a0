package lpe.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lpe.bench.GroundTruthFiles.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files of lpe bench paper: ground-truth counts merged per pair, and the resumable results file. */
class PaperFilesTest {

    @TempDir
    Path dir;

    private Path counts(String name, String model, String extra, long... counts) throws Exception {
        long samples = java.util.Arrays.stream(counts).sum();
        StringBuilder c = new StringBuilder();
        for (long x : counts) {
            c.append(c.isEmpty() ? "" : ",").append(x);
        }
        Path f = dir.resolve(name);
        Files.writeString(f, "{\"model\": \"" + model + "\", \"dist\": \"hex\", \"samples\": " + samples
                + ", \"counts\": [" + c + "]" + extra + "}");
        return f;
    }

    @Test
    void shardsOfOnePairAddTheirCounts() throws Exception {
        List<Pair> pairs = GroundTruthFiles.read(List.of(counts("a.json", "models/gelu-1l", ", \"seed\": 1", 3, 1, 0),
                counts("b.json", "/x/gelu-1l", ", \"seed\": 2", 1, 0, 3), counts("c.json", "gelu-2l", "", 4, 0, 0)));
        assertEquals(2, pairs.size());
        Pair p = pairs.get(0);
        assertEquals("gelu-1l/hex", p.name());
        assertEquals(8, p.samples());
        assertArrayEquals(new long[] {4, 1, 3}, p.counts());
        assertEquals(3.0 / 8, p.probability(2));
        assertEquals("gelu-2l", pairs.get(1).model());
    }

    @Test
    void theSameSamplesTwiceAreRefused() throws Exception {
        Path a = counts("a.json", "gelu-1l", ", \"seed\": 1, \"shard\": \"1/2\"", 3, 1);
        Path b = counts("b.json", "gelu-1l", ", \"seed\": 1, \"shard\": \"1/2\"", 3, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> GroundTruthFiles.read(List.of(a, b)));
        assertEquals("--ground-truth " + b + " and " + a + " hold the same samples (seed 1, shard \"1/2\"); merging"
                + " them would count them twice", e.getMessage());
        Path c = counts("c.json", "gelu-1l", ", \"seed\": 1, \"shard\": \"2/2\"", 3, 1);
        assertEquals(8, GroundTruthFiles.read(List.of(a, c)).getFirst().samples());
    }

    @Test
    void otherVocabulariesPrecisionsAndBadCountsAreRefused() throws Exception {
        Path a = counts("a.json", "gelu-1l", ", \"seed\": 1, \"precision\": \"fp32\"", 3, 1);
        Path b = counts("b.json", "gelu-1l", ", \"seed\": 2", 3, 1, 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroundTruthFiles.read(List.of(a, b)))
                .getMessage().contains("not the same model"));
        Path c = counts("c.json", "gelu-1l", ", \"seed\": 3, \"precision\": \"bf16\"", 3, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroundTruthFiles.read(List.of(a, c)))
                .getMessage().contains("counts of different precisions do not merge"));
        Path d = dir.resolve("d.json");
        Files.writeString(d, "{\"model\": \"gelu-1l\", \"dist\": \"hex\", \"samples\": 5, \"counts\": [1, 1]}");
        assertEquals("--ground-truth " + d + ": its counts add up to 2, not to its samples 5",
                assertThrows(IllegalArgumentException.class, () -> GroundTruthFiles.read(List.of(d))).getMessage());
    }

    @Test
    void aLineCutShortByACrashIsDroppedAndFinishedTargetsAreKnown() throws Exception {
        Path f = dir.resolve("r.jsonl");
        var settings = new PaperResults.Settings(1024, 1, 8, 1e-9, 1e-5);
        PaperResults results = PaperResults.open(f, settings);
        JsonObject line = new JsonObject();
        line.addProperty("kind", "estimate");
        line.addProperty("model", "gelu-1l");
        line.addProperty("dist", "hex");
        line.addProperty("method", "itgis");
        line.addProperty("target", 17);
        results.append(line);
        String whole = Files.readString(f);
        Files.writeString(f, whole + "{\"kind\":\"estimate\",\"model\":\"gel");
        PaperResults again = PaperResults.open(f, settings);
        assertEquals(whole, Files.readString(f));
        assertTrue(again.finished("gelu-1l", "hex", "itgis", 17));
        assertFalse(again.finished("gelu-1l", "hex", "naive", 17));
        assertEquals(1, again.estimates().size());
        var e = assertThrows(IllegalArgumentException.class,
                () -> PaperResults.open(f, new PaperResults.Settings(1024, 2, 8, 1e-9, 1e-5)));
        assertTrue(e.getMessage().startsWith("--seed 2 differs from the 1 of " + f), e.getMessage());
        assertEquals(whole, Files.readString(f));
    }
}
