package lpe.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The report's HTML: the plots, then one table row per estimate with its reference and whether its interval covers it. */
final class ReportPage {

    private ReportPage() {}

    static String html(List<Path> files, List<ReportCommand.Row> rows, List<String> plots) {
        var h = new StringBuilder("""
                <!doctype html>
                <html><head><meta charset="utf-8"><title>lpe report</title>
                <style>
                body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
                table { border-collapse: collapse; margin-top: 1em; }
                th, td { padding: .3em .7em; border-bottom: 1px solid #ddd; text-align: right; }
                th { background: #f4f4f4; } td.l, th.l { text-align: left; }
                .bad { color: #c00; } .ok { color: #080; } img { max-width: 100%; margin: 1em 0; }
                </style></head><body>
                <h1>lpe report</h1>
                """);
        h.append("<p>From ").append(escape(files.toString())).append(": ").append(rows.size())
                .append(" estimate(s). Intervals are 95% confidence intervals; on the log axes an interval that reaches 0 is ")
                .append("drawn down to the bottom of the plot, and an estimate of 0 is not drawn.</p>\n");
        for (String png : plots) {
            h.append("<img src=\"").append(escape(png)).append("\" alt=\"").append(escape(png)).append("\">\n");
        }
        h.append("<table><tr><th class=l>method</th><th class=l>target</th><th>estimate</th><th>95% interval</th>")
                .append("<th>reference</th><th class=l>kind</th><th>estimate / reference</th><th>covered</th>")
                .append("<th>ESS</th><th>passes (fwd + bwd)</th><th>seconds</th><th>seed</th><th class=l>source</th></tr>\n");
        for (var row : rows) {
            var e = row.estimate();
            h.append("<tr><td class=l>").append(escape(e.method())).append("</td><td class=l>")
                    .append(e.targetId() >= 0 ? escape(e.token()) + " (" + e.targetId() + ")" : "-").append("</td><td>")
                    .append(sci(e.estimate())).append("</td><td>[").append(sci(e.ciLow())).append(", ")
                    .append(sci(e.ciHigh())).append("]</td>");
            if (row.reference().isPresent()) {
                var r = row.reference().get();
                boolean covered = e.ciLow() <= r.probability() && r.probability() <= e.ciHigh();
                h.append("<td>").append(sci(r.probability())).append("</td><td class=l>").append(escape(r.kind()))
                        .append("</td><td>").append(r.probability() > 0
                                ? String.format(Locale.ROOT, "%.3f", e.estimate() / r.probability()) : "-")
                        .append("</td><td class=").append(covered ? "ok>yes" : "bad>no").append("</td>");
            } else {
                h.append("<td>-</td><td class=l>none given</td><td>-</td><td>-</td>");
            }
            h.append(String.format(Locale.ROOT, "<td>%.1f</td><td>%,d + %,d</td><td>%.2f</td><td>%d</td>", e.ess(),
                    e.forwardPasses(), e.backwardPasses(), e.seconds(), e.seed()));
            h.append("<td class=l>").append(escape(e.source())).append("</td></tr>\n");
        }
        return h.append("</table></body></html>\n").toString();
    }

    private static String sci(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3e", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
