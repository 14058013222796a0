package lpe.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code lpe report --paper SCORES}: the page of the paper's evaluation from the scores file that {@code lpe bench
 * paper} writes (docs/benchmarks-paper.md). Per model: a table methods × distributions of the mean IS loss after the
 * fit, cross-validated (in-sample beside it), the lowest per distribution marked ★; a bar plot of that loss per
 * distribution; per distribution a plot of the fitted estimates (e^b·q^a, zeros at their constant c₀) against the
 * ground truth; and a table of the unfitted measures (zero estimates, coverage of the 95% intervals, median |log₁₀|
 * error, seconds per target).
 */
final class PaperReport {

    /** One (model, distribution, method) cell of the scores file. */
    record Cell(String model, String dist, String method, JsonObject json) {
        double number(String field) {
            JsonElement e = json.get(field);
            return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
        }

        /** The fitted estimate of q: e^b·q^a, or c₀ for q = 0. */
        double fitted(double q) {
            return q > 0 ? Math.exp(number("b") + number("a") * Math.log(q)) : number("c0");
        }
    }

    private PaperReport() {}

    /** Writes paper.html and its plots into {@code out}; returns the page. */
    static Path write(Path scores, Path out) throws IOException {
        List<Cell> cells = read(scores);
        Files.createDirectories(out);
        Map<String, List<Cell>> byModel = new LinkedHashMap<>();
        cells.forEach(c -> byModel.computeIfAbsent(c.model(), k -> new ArrayList<>()).add(c));
        var h = new StringBuilder("""
                <!doctype html>
                <html><head><meta charset="utf-8"><title>lpe: the paper's evaluation</title>
                <style>
                body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
                table { border-collapse: collapse; margin: 1em 0; }
                th, td { padding: .3em .7em; border-bottom: 1px solid #ddd; text-align: right; }
                th { background: #f4f4f4; } td.l, th.l { text-align: left; } td.win { font-weight: bold; color: #080; }
                img { max-width: 100%; margin: .5em 0; }
                </style></head><body>
                <h1>The paper's evaluation</h1>
                """);
        h.append("<p>From ").append(escape(scores.toString())).append(". Loss: mean Itakura–Saito loss p/q − ln(p/q) − 1")
                .append(" after a log-affine fit q' = e<sup>b</sup>q<sup>a</sup> per cell, zero estimates by their own")
                .append(" constant; cross-validated (in-sample in parentheses). ★ marks the lowest per distribution.</p>\n");
        for (var model : byModel.entrySet()) {
            List<Cell> ofModel = model.getValue();
            List<String> dists = ofModel.stream().map(Cell::dist).distinct().toList();
            List<String> methods = ofModel.stream().map(Cell::method).distinct().toList();
            String stem = model.getKey().replaceAll("[^A-Za-z0-9_-]", "_");
            h.append("<h2>").append(escape(model.getKey())).append("</h2>\n<table><tr><th class=l>method</th>");
            dists.forEach(d -> h.append("<th>").append(escape(d)).append("</th>"));
            h.append("</tr>\n");
            for (String m : methods) {
                h.append("<tr><td class=l>").append(escape(m)).append("</td>");
                for (String d : dists) {
                    Cell c = find(ofModel, d, m);
                    if (c == null) {
                        h.append("<td>-</td>");
                        continue;
                    }
                    boolean win = winner(ofModel, c);
                    h.append(win ? "<td class=win>★ " : "<td>").append(num(c.number("is_loss_cv"))).append(" (")
                            .append(num(c.number("is_loss"))).append(")</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</table>\n");
            String losses = stem + "-loss.png";
            lossPlot(model.getKey(), ofModel, dists, methods, out.resolve(losses));
            h.append("<img src=\"").append(escape(losses)).append("\" alt=\"loss per distribution\">\n");
            for (String d : dists) {
                String png = stem + "-" + d.replaceAll("[^A-Za-z0-9_-]", "_") + "-fitted.png";
                fittedPlot(model.getKey() + " / " + d, ofModel.stream().filter(c -> c.dist().equals(d)).toList(),
                        out.resolve(png));
                h.append("<img src=\"").append(escape(png)).append("\" alt=\"fitted estimates, ").append(escape(d))
                        .append("\">\n");
            }
            h.append("<table><tr><th class=l>method</th><th class=l>dist</th><th>targets</th><th>zeros</th>")
                    .append("<th>a</th><th>log² error (fit)</th><th>95% coverage</th><th>median |log10 error|</th>")
                    .append("<th>passes / target</th><th>s / target</th></tr>\n");
            for (Cell c : ofModel) {
                h.append("<tr><td class=l>").append(escape(c.method())).append("</td><td class=l>")
                        .append(escape(c.dist())).append("</td><td>").append((long) c.number("targets"))
                        .append("</td><td>").append((long) c.number("zeros")).append("</td><td>")
                        .append(num(c.number("a"))).append("</td><td>").append(num(c.number("log_sq_error")))
                        .append("</td><td>").append(num(c.number("coverage95"))).append("</td><td>")
                        .append(Double.isNaN(c.number("median_abs_log10_error")) ? "∞" : num(c.number("median_abs_log10_error")))
                        .append("</td><td>").append(String.format(Locale.ROOT, "%,.0f", c.number("mean_passes")))
                        .append("</td><td>").append(num(c.number("mean_seconds"))).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        Path page = out.resolve("paper.html");
        Files.writeString(page, h.append("</body></html>\n").toString());
        return page;
    }

    static List<Cell> read(Path scores) {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(scores));
            if (!e.isJsonObject() || !e.getAsJsonObject().has("cells")) {
                throw new UserError("--paper: " + scores + " is not a scores file of lpe bench paper (no 'cells')");
            }
            root = e.getAsJsonObject();
        } catch (IOException e) {
            throw new UserError("--paper: cannot read " + scores + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new UserError("--paper: " + scores + " is not JSON", e);
        }
        List<Cell> cells = new ArrayList<>();
        for (JsonElement c : root.getAsJsonArray("cells")) {
            JsonObject o = c.getAsJsonObject();
            cells.add(new Cell(o.get("model").getAsString(), o.get("dist").getAsString(), o.get("method").getAsString(), o));
        }
        if (cells.isEmpty()) {
            throw new UserError("--paper: " + scores + " holds no scored cell yet");
        }
        return cells;
    }

    /** The lowest cross-validated loss of its distribution (a missing loss, infinite, never wins). */
    static boolean winner(List<Cell> ofModel, Cell c) {
        double mine = loss(c);
        return Double.isFinite(mine) && ofModel.stream().filter(x -> x.dist().equals(c.dist()))
                .allMatch(x -> mine <= loss(x));
    }

    private static double loss(Cell c) {
        double l = c.number("is_loss_cv");
        return Double.isNaN(l) ? Double.POSITIVE_INFINITY : l;
    }

    private static void lossPlot(String model, List<Cell> cells, List<String> dists, List<String> methods, Path png)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(820).height(480)
                .title(model + ": IS loss after the fit (cross-validated) per distribution").xAxisTitle("distribution")
                .yAxisTitle("mean IS loss").build();
        chart.getStyler().setLegendPosition(LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        int m = 0;
        for (String method : methods) {
            List<Double> ys = new ArrayList<>();
            for (String d : dists) {
                Cell c = find(cells, d, method);
                double l = c == null ? Double.NaN : c.number("is_loss_cv");
                ys.add(Double.isFinite(l) ? l : 0.0);
            }
            chart.addSeries(method, dists, ys).setFillColor(ReportPlots.color(m++));
        }
        save(chart, png);
    }

    private static void fittedPlot(String title, List<Cell> cells, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(820).height(560).title(title + ": fitted estimate vs ground truth")
                .xAxisTitle("ground-truth probability").yAxisTitle("fitted estimate").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(7);
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        int m = 0;
        for (Cell c : cells) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (JsonElement point : c.json().getAsJsonArray("points")) {
                double p = point.getAsJsonArray().get(0).getAsDouble();
                double fitted = c.fitted(point.getAsJsonArray().get(1).getAsDouble());
                if (fitted > 0 && Double.isFinite(fitted)) {
                    xs.add(p);
                    ys.add(fitted);
                    lo = Math.min(lo, Math.min(p, fitted));
                    hi = Math.max(hi, Math.max(p, fitted));
                }
            }
            Color color = ReportPlots.color(m++);
            if (!xs.isEmpty()) {
                var s = chart.addSeries(c.method(), xs, ys);
                s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setMarkerColor(color);
            }
        }
        if (hi > 0) {
            var diagonal = chart.addSeries("fitted = truth", new double[] {lo / 2, hi * 2}, new double[] {lo / 2, hi * 2});
            diagonal.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            diagonal.setMarker(SeriesMarkers.NONE);
            diagonal.setLineColor(Color.GRAY);
        }
        save(chart, png);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) throws IOException {
        String name = png.toString();
        BitmapEncoder.saveBitmap(chart, name.substring(0, name.length() - ".png".length()), BitmapEncoder.BitmapFormat.PNG);
    }

    private static Cell find(List<Cell> cells, String dist, String method) {
        return cells.stream().filter(c -> c.dist().equals(dist) && c.method().equals(method)).findFirst().orElse(null);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
