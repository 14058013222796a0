package lpe.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lpe.bench.PaperScore.Point;
import lpe.bench.PaperScore.Score;

/**
 * The scores of every (model, distribution, method) cell of a results file ({@link PaperScore}), written as the
 * scores file that {@code lpe report --paper} reads and printed as one table per model: methods × distributions, the
 * cross-validated fitted IS loss, the lowest of each distribution marked with *.
 *
 * <p>Scores file: {@code {"settings": {..}, "results": PATH, "cells": [{"model", "dist", "method", "targets", "zeros",
 * "a", "b", "c0", "is_loss", "is_loss_cv", "log_sq_error", "with_interval", "coverage95", "median_abs_log10_error",
 * "mean_seconds", "mean_passes", "points": [[p, q], ..]}, ..]}}; numbers that do not exist (a fit without positive
 * estimates, coverage without intervals, an infinite median) are null. Coverage counts the reported intervals only:
 * an estimate whose interval_kind is none (QLD, GLD: [0, 1], no interval for p) has none.
 */
final class PaperSummary {

    /** One scored cell and its points (true p, estimate). */
    record Cell(String model, String dist, String method, Score score, double meanSeconds, double meanPasses,
            List<Point> points) {}

    private final List<Cell> cells;
    private final int folds;

    private PaperSummary(List<Cell> cells, int folds) {
        this.cells = cells;
        this.folds = folds;
    }

    List<Cell> cells() {
        return cells;
    }

    static PaperSummary of(List<JsonObject> estimates, int folds, long seed) {
        Map<String, List<JsonObject>> byCell = new LinkedHashMap<>();
        for (JsonObject o : estimates) {
            String key = o.get("model").getAsString() + "\u0000" + o.get("dist").getAsString() + "\u0000"
                    + o.get("method").getAsString();
            byCell.computeIfAbsent(key, k -> new ArrayList<>()).add(o);
        }
        List<Cell> cells = new ArrayList<>();
        for (List<JsonObject> lines : byCell.values()) {
            List<Point> points = new ArrayList<>();
            double seconds = 0;
            double passes = 0;
            for (JsonObject o : lines) {
                boolean interval = !(o.has("interval_kind") && o.get("interval_kind").getAsString().equals("none"));
                points.add(new Point(o.get("true_p").getAsDouble(), o.get("estimate").getAsDouble(),
                        interval ? o.get("ci_low").getAsDouble() : Double.NaN,
                        interval ? o.get("ci_high").getAsDouble() : Double.NaN));
                seconds += o.get("job_seconds_per_target").getAsDouble();
                passes += o.get("passes").getAsDouble();
            }
            JsonObject first = lines.getFirst();
            cells.add(new Cell(first.get("model").getAsString(), first.get("dist").getAsString(),
                    first.get("method").getAsString(), PaperScore.score(points, folds, seed), seconds / lines.size(),
                    passes / lines.size(), points));
        }
        return new PaperSummary(cells, folds);
    }

    void write(Path file, PaperResults.Settings settings, Path results) {
        JsonObject root = new JsonObject();
        root.add("settings", settings.json());
        root.addProperty("folds", folds);
        root.addProperty("results", results.toString());
        JsonArray all = new JsonArray();
        for (Cell c : cells) {
            Score s = c.score();
            JsonObject o = new JsonObject();
            o.addProperty("model", c.model());
            o.addProperty("dist", c.dist());
            o.addProperty("method", c.method());
            o.addProperty("targets", s.targets());
            o.addProperty("zeros", s.zeros());
            o.addProperty("a", finite(s.fit().a()));
            o.addProperty("b", finite(s.fit().b()));
            o.addProperty("c0", finite(s.fit().c0()));
            o.addProperty("is_loss", finite(s.isLoss()));
            o.addProperty("is_loss_cv", finite(s.isLossCrossValidated()));
            o.addProperty("log_sq_error", finite(s.logSquaredError()));
            o.addProperty("with_interval", s.withInterval());
            o.addProperty("coverage95", finite(s.coverage95()));
            o.addProperty("median_abs_log10_error", finite(s.medianAbsLog10Error()));
            o.addProperty("mean_seconds", c.meanSeconds());
            o.addProperty("mean_passes", c.meanPasses());
            JsonArray points = new JsonArray();
            for (Point p : c.points()) {
                JsonArray xy = new JsonArray();
                xy.add(p.p());
                xy.add(p.q());
                points.add(xy);
            }
            o.add("points", points);
            all.add(o);
        }
        root.add("cells", all);
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, new GsonBuilder().serializeNulls().create().toJson(root) + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Per model: methods × distributions of the cross-validated IS loss (* the lowest per distribution), then the details. */
    void print(PrintWriter out) {
        Map<String, List<Cell>> byModel = new LinkedHashMap<>();
        cells.forEach(c -> byModel.computeIfAbsent(c.model(), k -> new ArrayList<>()).add(c));
        for (Map.Entry<String, List<Cell>> model : byModel.entrySet()) {
            List<String> dists = model.getValue().stream().map(Cell::dist).distinct().toList();
            List<String> methods = model.getValue().stream().map(Cell::method).distinct().toList();
            out.printf(Locale.ROOT, "%s: mean IS loss after the fit, %d-fold cross-validated (* lowest per distribution)%n",
                    model.getKey(), folds);
            out.printf(Locale.ROOT, "%-8s", "method");
            dists.forEach(d -> out.printf(Locale.ROOT, " %12s", d));
            out.println();
            for (String m : methods) {
                out.printf(Locale.ROOT, "%-8s", m);
                for (String d : dists) {
                    Cell c = find(model.getValue(), d, m);
                    out.printf(Locale.ROOT, " %12s", c == null ? "-"
                            : String.format(Locale.ROOT, "%.3f", c.score().isLossCrossValidated())
                                    + (isWinner(model.getValue(), c) ? "*" : " "));
                }
                out.println();
            }
            out.printf(Locale.ROOT, "%-8s %-10s %7s %6s %9s %9s %9s %9s %12s %9s%n", "method", "dist", "targets",
                    "zeros", "IS fit", "IS cv", "log² fit", "cover95", "med|log10|", "s/target");
            for (Cell c : model.getValue()) {
                Score s = c.score();
                out.printf(Locale.ROOT, "%-8s %-10s %7d %6d %9.3f %9.3f %9.3f %9s %12.3f %9.3f%n", c.method(), c.dist(),
                        s.targets(), s.zeros(), s.isLoss(), s.isLossCrossValidated(), s.logSquaredError(),
                        Double.isNaN(s.coverage95()) ? "-" : String.format(Locale.ROOT, "%.2f", s.coverage95()),
                        s.medianAbsLog10Error(), c.meanSeconds());
            }
            out.println();
        }
        out.flush();
    }

    /** The cell with the lowest cross-validated loss among the methods of its distribution. */
    static boolean isWinner(List<Cell> ofModel, Cell c) {
        return ofModel.stream().filter(x -> x.dist().equals(c.dist()))
                .allMatch(x -> c.score().isLossCrossValidated() <= x.score().isLossCrossValidated());
    }

    private static Cell find(List<Cell> cells, String dist, String method) {
        return cells.stream().filter(c -> c.dist().equals(dist) && c.method().equals(method)).findFirst().orElse(null);
    }

    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }
}
