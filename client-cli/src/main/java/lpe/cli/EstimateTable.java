package lpe.cli;

import java.util.Locale;
import lpe.v1.Estimate;
import lpe.v1.IntervalKind;

/** An estimate as people read it: value, uncertainty, cost. */
final class EstimateTable {

    private EstimateTable() {}

    static String format(Estimate e) {
        return String.join("\n",
                row("method", e.getMethod()),
                row("target", e.getTarget().getToken() + " (id " + e.getTarget().getId() + ")"),
                row("estimate", String.format(Locale.ROOT, "%.4e  (std error %.2e)", e.getEstimate(), e.getStdError())),
                row("95% CI", interval(e)),
                row("ESS", String.format(Locale.ROOT, "%.1f", e.getEss())),
                row("cost", String.format(Locale.ROOT, "%,d forward + %,d backward passes, %.2f s",
                        e.getForwardPasses(), e.getBackwardPasses(), e.getSeconds())),
                row("seed", Long.toString(e.getSeed())));
    }

    /** The interval as people read it: what it is, and for no hit that only its upper end means anything. */
    static String interval(Estimate e) {
        if (e.getUpperBoundOnly()) {
            return String.format(Locale.ROOT, "p <= %.4e  (one-sided 95%% upper bound: no hit seen)", e.getCi95High());
        }
        if (e.getIntervalKind() == IntervalKind.INTERVAL_KIND_NONE) {
            return "none  (this method's error comes from its model assumption, not sampling; see docs/methods.md)";
        }
        return String.format(Locale.ROOT, "[%.4e, %.4e]  (%s)", e.getCi95Low(), e.getCi95High(),
                JobJson.intervalKind(e.getIntervalKind()).replace('_', ' '));
    }

    private static String row(String name, String value) {
        return String.format(Locale.ROOT, "%-9s %s", name, value);
    }
}
