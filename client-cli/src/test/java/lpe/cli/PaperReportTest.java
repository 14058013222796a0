package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lpe report --paper}: the page of a scores file, its winners and plots; bad files are one-line errors. */
class PaperReportTest {

    @TempDir
    Path dir;

    /** hex: itgis 0.4 beats naive 1.2; camel: naive 0.9 beats itgis, whose loss is missing (null). */
    @Test
    void theLowestCrossValidatedLossOfEachDistributionIsMarked() throws Exception {
        Path scores = dir.resolve("results.scores.json");
        Files.writeString(scores, """
                {"settings": {"budget": 65536}, "folds": 8, "cells": [
                 {"model": "gelu-1l", "dist": "hex", "method": "naive", "targets": 2, "zeros": 2, "a": null, "b": null,
                  "c0": 2e-6, "is_loss": 1.0, "is_loss_cv": 1.2, "log_sq_error": 0.5, "with_interval": 2,
                  "coverage95": 1.0, "median_abs_log10_error": null, "mean_seconds": 1.0, "mean_passes": 65536,
                  "points": [[1e-6, 0], [3e-6, 0]]},
                 {"model": "gelu-1l", "dist": "hex", "method": "itgis", "targets": 2, "zeros": 0, "a": 1.0, "b": 0.0,
                  "c0": null, "is_loss": 0.3, "is_loss_cv": 0.4, "log_sq_error": 0.1, "with_interval": 2,
                  "coverage95": 0.5, "median_abs_log10_error": 0.2, "mean_seconds": 2.0, "mean_passes": 131072,
                  "points": [[1e-6, 2e-6], [3e-6, 1e-6]]},
                 {"model": "gelu-1l", "dist": "camel", "method": "naive", "targets": 1, "zeros": 1, "a": null, "b": null,
                  "c0": 1e-7, "is_loss": 0.0, "is_loss_cv": 0.9, "log_sq_error": 0.0, "with_interval": 1,
                  "coverage95": 1.0, "median_abs_log10_error": null, "mean_seconds": 1.0, "mean_passes": 65536,
                  "points": [[1e-7, 0]]},
                 {"model": "gelu-1l", "dist": "camel", "method": "itgis", "targets": 1, "zeros": 0, "a": 1.0, "b": 0.0,
                  "c0": null, "is_loss": 0.0, "is_loss_cv": null, "log_sq_error": 0.0, "with_interval": 0,
                  "coverage95": null, "median_abs_log10_error": 0.0, "mean_seconds": 1.0, "mean_passes": 65536,
                  "points": [[1e-7, 1e-7]]}]}
                """);
        CliRun run = CliRun.of("report", "--paper", scores.toString(), "--out", dir.resolve("page").toString());
        assertEquals(0, run.exit(), run.err());
        String html = Files.readString(dir.resolve("page/paper.html"));
        assertTrue(html.contains("<td class=win>★ 0.400 (0.300)</td>"), html);
        assertTrue(html.contains("<td class=win>★ 0.900 (0.000)</td>"), html);
        assertEquals(2, html.split("★ ", -1).length - 1 - 1, html); // two winners (the legend line has one ★ too)
        for (String png : new String[] {"gelu-1l-loss.png", "gelu-1l-hex-fitted.png", "gelu-1l-camel-fitted.png"}) {
            assertTrue(Files.size(dir.resolve("page").resolve(png)) > 1000, png);
        }
    }

    @Test
    void aFileThatIsNoScoresFileIsAOneLineError() throws Exception {
        Path notScores = dir.resolve("x.json");
        Files.writeString(notScores, "{\"model\": \"gelu-1l\"}");
        CliRun run = CliRun.of("report", "--paper", notScores.toString(), "--out", dir.resolve("page").toString());
        assertEquals("lpe report: --paper: " + notScores + " is not a scores file of lpe bench paper (no 'cells')",
                run.oneLineError());
    }
}
