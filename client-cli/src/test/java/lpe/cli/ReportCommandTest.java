package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

    @TempDir
    Path dir;

    private static String estimate(String method, int id, double p, double lo, double hi, long forward) {
        return String.format(java.util.Locale.ROOT, "{\"method\":\"%s\",\"target\":{\"id\":%d,\"token\":\"t%d\"},"
                + "\"estimate\":%s,\"std_error\":%s,\"ci95\":[%s,%s],\"ess\":10.0,\"forward_passes\":%d,"
                + "\"backward_passes\":0,\"seconds\":1.5,\"seed\":3}", method, id, id, p, (hi - lo) / 3.92, lo, hi,
                forward);
    }

    private Path write(String name, String... lines) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void pageJudgesEachEstimateAgainstExactOrGroundTruthAndPlotsThem() throws Exception {
        Path runs = write("runs.jsonl",
                "a table line a human run printed first",
                estimate("itgis", 42, 2.5e-6, 0.5e-6, 4.5e-6, 1024),   // covers 2e-6
                estimate("itgis", 42, 1.5e-6, 1.2e-6, 1.8e-6, 4096),   // misses 2e-6
                estimate("mhis", 7, 3e-8, 1e-8, 5e-8, 4096));          // ground truth 4/1e8 = 4e-8: covered
        Path exact = write("exact.json", "{\"probability\": 2e-6, \"inputs\": 4096, \"seconds\": 1, \"target\": {\"id\": 42}}");
        Path truth = write("gt.json", "{\"samples\": 100000000, \"counts\": {\"7\": 4, \"42\": 150}}");
        Path out = dir.resolve("report");

        var run = CliRun.of("report", runs.toString(), exact.toString(), truth.toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(out.resolve("index.html").toString(), run.out().strip());

        String html = Files.readString(out.resolve("index.html"));
        var rows = Pattern.compile("<tr><td class=l>(.*?)</tr>").matcher(html).results().map(m -> m.group(1)).toList();
        assertEquals(3, rows.size());
        // exact wins over ground truth for target 42; ratio 2.5e-6 / 2e-6 = 1.25
        assertTrue(rows.get(0).contains("<td>2.000e-06</td><td class=l>exact</td><td>1.250</td><td class=ok>yes"), rows.get(0));
        assertTrue(rows.get(1).contains("<td>0.750</td><td class=bad>no"), rows.get(1));
        // no exact result for 7: ground truth 4 / 1e8
        assertTrue(rows.get(2).contains("<td>4.000e-08</td><td class=l>ground truth (4 of 100000000)</td><td>0.750</td>"
                + "<td class=ok>yes"), rows.get(2));

        for (String png : List.of("estimate-vs-reference.png", "convergence-id_42_t42.png")) {
            assertTrue(html.contains("<img src=\"" + png + "\""), png);
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertEquals(820, image.getWidth());
            assertTrue(pixelsOf(image, 0x1f77b4) > 100, png + " shows the first method's points and intervals");
        }
        assertFalse(Files.exists(out.resolve("convergence-id_7_t7.png")), "one budget only: no convergence plot");
    }

    @Test
    void aFileThatIsNoResultIsOneLine() throws Exception {
        Path text = write("notes.txt", "hello", "world");
        var run = CliRun.of("report", text.toString(), "--out", dir.resolve("r").toString());
        assertEquals(1, run.exit());
        assertEquals("lpe report: " + text + " is not a result file: it holds no JSON object from lpe estimate, exact "
                + "or ground-truth --json", run.oneLineError());
    }

    @Test
    void jsonThatIsNoLpeResultNamesTheLineAndItsFields() throws Exception {
        Path file = write("other.jsonl", estimate("itgis", 1, 1e-6, 1e-7, 2e-6, 10), "{\"name\": \"x\", \"size\": 3}");
        var run = CliRun.of("report", file.toString(), "--out", dir.resolve("r").toString());
        assertEquals(1, run.exit());
        assertEquals("lpe report: " + file + " line 2 is not an lpe result: expected the fields of estimate --json "
                + "(method, estimate, ...), exact --json (probability) or ground-truth (samples, counts), got [name, size]",
                run.oneLineError());
    }

    @Test
    void brokenJsonAndMissingFilesAreOneLine() throws Exception {
        Path broken = write("broken.jsonl", "{\"method\": \"itgis\", \"estimate\": ");
        var run = CliRun.of("report", broken.toString(), "--out", dir.resolve("r").toString());
        assertEquals(1, run.exit());
        assertEquals("lpe report: " + broken + " line 1 is not valid JSON", run.oneLineError());

        Path missing = dir.resolve("missing.json");
        run = CliRun.of("report", missing.toString(), "--out", dir.resolve("r").toString());
        assertEquals(1, run.exit());
        assertTrue(run.oneLineError().startsWith("lpe report: cannot read result file " + missing), run.err());
    }

    @Test
    void onlyReferencesAndNoEstimateIsOneLine() throws Exception {
        Path exact = write("exact.json", "{\"probability\": 2e-6, \"inputs\": 4096, \"seconds\": 1}");
        var run = CliRun.of("report", exact.toString(), "--out", dir.resolve("r").toString());
        assertEquals(1, run.exit());
        assertTrue(run.oneLineError().startsWith("lpe report: no estimates in"), run.err());
    }

    private static int pixelsOf(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
