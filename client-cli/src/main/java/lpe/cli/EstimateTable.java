package lpe.cli;

import java.util.Locale;
import lpe.v1.Estimate;

/** An estimate as people read it: value, uncertainty, cost. */
final class EstimateTable {

    private EstimateTable() {}

    static String format(Estimate e) {
        return String.join("\n",
                row("method", e.getMethod()),
                row("target", e.getTarget().getToken() + " (id " + e.getTarget().getId() + ")"),
                row("estimate", String.format(Locale.ROOT, "%.4e  (std error %.2e)", e.getEstimate(), e.getStdError())),
                row("95% CI", String.format(Locale.ROOT, "[%.4e, %.4e]", e.getCi95Low(), e.getCi95High())),
                row("ESS", String.format(Locale.ROOT, "%.1f", e.getEss())),
                row("cost", String.format(Locale.ROOT, "%,d forward + %,d backward passes, %.2f s",
                        e.getForwardPasses(), e.getBackwardPasses(), e.getSeconds())),
                row("seed", Long.toString(e.getSeed())));
    }

    private static String row(String name, String value) {
        return String.format(Locale.ROOT, "%-9s %s", name, value);
    }
}
