package lpe.cli;

import java.io.PrintStream;
import java.util.Locale;
import lpe.estimate.ProgressListener;
import lpe.v1.Estimate;
import lpe.v1.Progress;

/**
 * A one-line progress bar on a terminal's stderr: samples done of the budget, the current estimate with its 95%
 * interval, and the rate. Redraws in place with a carriage return; {@link #finish()} ends the line.
 */
final class ProgressBar {

    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private boolean drawn;
    private boolean stopped;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    /** A bar on stderr if stderr is a terminal, else one that draws nothing. */
    static ProgressBar onTerminal() {
        return new ProgressBar(Terminal.stderr() ? System.err : null);
    }

    /**
     * The same bar for an in-process run: an estimator's partial estimates, with the rate measured from the first
     * update's clock (the bar draws nothing when stderr is not a terminal).
     */
    static ProgressListener inProcess() {
        return inProcess(onTerminal());
    }

    static ProgressListener inProcess(ProgressBar bar) {
        long start = System.nanoTime();
        return (done, budget, partial) -> {
            double seconds = (System.nanoTime() - start) / 1e9;
            bar.update(Progress.newBuilder().setSamplesDone(done).setBudget(budget)
                    .setRate(seconds > 0 ? done / seconds : 0)
                    .addCurrent(Estimate.newBuilder().setEstimate(partial.estimate()).setCi95Low(partial.ci95Low())
                            .setCi95High(partial.ci95High()).setUpperBoundOnly(partial.upperBoundOnly()))
                    .build());
            if (done >= budget) {
                bar.finish();
            }
        };
    }

    synchronized void update(Progress progress) {
        if (out == null || stopped) {
            return;
        }
        out.print("\r" + render(progress) + "\033[K");
        out.flush();
        drawn = true;
    }

    /** Ends the line and draws nothing more (the terminal is needed for something else, e.g. a prompt). */
    synchronized void stop() {
        finish();
        stopped = true;
    }

    synchronized void finish() {
        if (drawn) {
            out.println();
            drawn = false;
        }
    }

    /**
     * E.g. {@code [##########..............]  42%  27,525/65,536  p=3.10e-07 [1.20e-07, 5.00e-07]  2,345/s}; several
     * targets show the first estimate and how many more there are.
     */
    static String render(Progress p) {
        double fraction = p.getBudget() > 0 ? Math.min(1.0, (double) p.getSamplesDone() / p.getBudget()) : 0.0;
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        var line = new StringBuilder()
                .append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append(']')
                .append(String.format(Locale.ROOT, " %3d%%  %,d/%,d", Math.round(fraction * 100),
                        p.getSamplesDone(), p.getBudget()));
        if (p.getCurrentCount() > 0) {
            Estimate e = p.getCurrent(0);
            line.append(e.getUpperBoundOnly()
                    ? String.format(Locale.ROOT, "  p=0 (no hit; p<=%.2e)", e.getCi95High())
                    : String.format(Locale.ROOT, "  p=%.2e [%.2e, %.2e]", e.getEstimate(), e.getCi95Low(),
                            e.getCi95High()));
            if (p.getCurrentCount() > 1) {
                line.append(String.format(Locale.ROOT, " (+%d targets)", p.getCurrentCount() - 1));
            }
        }
        return line.append(String.format(Locale.ROOT, "  %,.0f/s", p.getRate())).toString();
    }
}
