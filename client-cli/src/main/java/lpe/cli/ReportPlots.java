package lpe.cli;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lpe.cli.ResultFile.EstimateResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's two kinds of plot, drawn by XChart and saved as PNG. Both use log-log axes and draw each 95% interval
 * as a vertical segment in its method's colour; values that cannot sit on a log axis (an estimate of 0, an interval
 * reaching 0) are left out or clipped, and the page's table says so.
 */
final class ReportPlots {

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
    };

    /** One point: an estimate and the x it is drawn at. */
    record Point(double x, EstimateResult estimate) {}

    private ReportPlots() {}

    static Color color(int methodIndex) {
        return PALETTE[methodIndex % PALETTE.length];
    }

    /** Estimate (y) against the exact or ground-truth value (x), one colour per method, and the line y = x. */
    static void estimateVsReference(Map<String, List<Point>> byMethod, Path png) throws IOException {
        var chart = chart("Estimate vs reference (exact or ground truth)", "reference probability",
                "estimate (95% interval)");
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (var points : byMethod.values()) {
            for (var p : points) {
                lo = Math.min(lo, Math.min(p.x(), p.estimate().estimate()));
                hi = Math.max(hi, Math.max(p.x(), p.estimate().estimate()));
            }
        }
        var diagonal = chart.addSeries("estimate = reference", new double[] {lo / 3, hi * 3},
                new double[] {lo / 3, hi * 3});
        style(diagonal, Color.GRAY, XYSeriesRenderStyle.Line);
        addMethods(chart, byMethod, lo / 10);
        save(chart, png);
    }

    /** Estimates of one target against their cost (forward + backward passes), with the reference as a line. */
    static void convergence(String title, Map<String, List<Point>> byMethod, double reference, Path png)
            throws IOException {
        var chart = chart(title, "forward + backward passes", "estimate (95% interval)");
        double floor = Double.POSITIVE_INFINITY;
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = 0;
        for (var points : byMethod.values()) {
            for (var p : points) {
                floor = Math.min(floor, p.estimate().estimate());
                xMin = Math.min(xMin, p.x());
                xMax = Math.max(xMax, p.x());
            }
        }
        if (reference > 0) {
            var line = chart.addSeries("reference", new double[] {xMin / 1.5, xMax * 1.5},
                    new double[] {reference, reference});
            style(line, Color.GRAY, XYSeriesRenderStyle.Line);
            floor = Math.min(floor, reference);
        }
        addMethods(chart, byMethod, floor / 10);
        save(chart, png);
    }

    private static XYChart chart(String title, String x, String y) {
        var chart = new XYChartBuilder().width(820).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setYAxisLogarithmic(true);
        styler.setLegendPosition(LegendPosition.InsideNW);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xdddddd));
        styler.setMarkerSize(9);
        return chart;
    }

    /** Points in the method's colour, and each interval as a segment from max(low, floor) to high. */
    private static void addMethods(XYChart chart, Map<String, List<Point>> byMethod, double floor) {
        int m = 0;
        int segment = 0;
        for (var entry : byMethod.entrySet()) {
            Color color = color(m++);
            var points = entry.getValue();
            var s = chart.addSeries(entry.getKey(), points.stream().mapToDouble(Point::x).toArray(),
                    points.stream().mapToDouble(p -> p.estimate().estimate()).toArray());
            style(s, color, XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
            for (var p : points) {
                double low = Math.max(p.estimate().ciLow(), floor);
                double high = p.estimate().ciHigh();
                if (!(high > low)) {
                    continue;
                }
                var ci = chart.addSeries("ci " + segment++, new double[] {p.x(), p.x()}, new double[] {low, high});
                style(ci, color, XYSeriesRenderStyle.Line);
                ci.setShowInLegend(false);
            }
        }
    }

    private static void style(org.knowm.xchart.XYSeries s, Color color, XYSeriesRenderStyle render) {
        s.setXYSeriesRenderStyle(render);
        s.setLineColor(color);
        s.setMarkerColor(color);
        if (render == XYSeriesRenderStyle.Line) {
            s.setMarker(SeriesMarkers.NONE);
        }
    }

    private static void save(XYChart chart, Path png) throws IOException {
        String name = png.toString();
        BitmapEncoder.saveBitmap(chart, name.substring(0, name.length() - ".png".length()),
                BitmapEncoder.BitmapFormat.PNG);
    }
}
