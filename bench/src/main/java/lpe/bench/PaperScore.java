package lpe.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The paper's scoring of one (model, distribution, method) cell (Wu &amp; Hilton 2024; docs/benchmarks-paper.md): the
 * estimates q of many targets against their true probabilities p &gt; 0.
 *
 * <ul>
 *   <li><b>IS loss</b> L(p, q) = p/q − ln(p/q) − 1 (≥ 0, 0 iff q = p), averaged over the targets, after a fit.
 *   <li><b>The fit</b>, applied per cell: q' = e^b·q^a for the targets with q &gt; 0 (a log-affine map), and one constant
 *       c₀ for the targets with q = 0. For a fixed a the best b is closed-form, b*(a) = LSE_j(ln p_j − a ln q_j) − ln m,
 *       and the mean loss over those m targets is then L(a) = b*(a) + a·mean(ln q) − mean(ln p), convex in a
 *       (L''(a) is a weighted variance of ln q), minimised by golden-section search on [−{@value #SLOPE_BOUND},
 *       {@value #SLOPE_BOUND}]. The best constant under the IS loss is the mean of the true p, so c₀ = mean p of the
 *       zeros, and naive sampling with no hits at all scores exactly as the optimal constant.
 *   <li><b>In-sample</b> (fit and score on the same targets, as the paper probably did) and <b>K-fold
 *       cross-validated</b> (targets shuffled with a seed, fold i = every K-th of them; a, b, c₀ fitted on the other
 *       folds, the held-out fold scored). Decision: where the training folds hold no zeros (no c₀) or no positive
 *       estimates (no a, b), the held-out targets of that kind are scored with the optimal constant of the whole
 *       training set, the mean of its p.
 *   <li><b>Squared log error</b> (ln q' − ln p)² after the ordinary least-squares fit of ln p on ln q (positive q), zeros
 *       by their own constant (the mean of their ln p, the best constant in log space); in-sample.
 *   <li>Before any fit: the coverage of the reported 95% intervals (low ≤ p ≤ high, over the targets that report
 *       one), the number of zero estimates, and the median |log₁₀(q/p)| (a zero counts as an infinite error).
 * </ul>
 * Where a fit is under-determined (one positive target, or all of them with the same q), a = 1 and b = b*(1).
 */
final class PaperScore {

    static final double SLOPE_BOUND = 10;
    private static final int SEARCH_STEPS = 200;

    /** One target: true probability, estimate, and the reported 95% interval (NaN when none). */
    record Point(double p, double q, double low, double high) {
        Point {
            if (!(p > 0) || !(q >= 0) || Double.isInfinite(p) || Double.isInfinite(q)) {
                throw new IllegalArgumentException("a scored target needs a true p > 0 and a finite estimate q >= 0,"
                        + " got p = " + p + ", q = " + q);
            }
        }

        Point(double p, double q) {
            this(p, q, Double.NaN, Double.NaN);
        }
    }

    /** The fitted map: q' = e^b·q^a for q &gt; 0, c₀ for q = 0 (NaN where its kind had no target). */
    record Fit(double a, double b, double c0) {
        double apply(double q) {
            return q > 0 ? Math.exp(b + a * Math.log(q)) : c0;
        }
    }

    /** Everything reported for one cell. */
    record Score(int targets, int zeros, Fit fit, double isLoss, double isLossCrossValidated, double logSquaredError,
            int withInterval, double coverage95, double medianAbsLog10Error) {}

    private PaperScore() {}

    /** L(p, q) = p/q − ln(p/q) − 1; infinite for q = 0. */
    static double isLoss(double p, double q) {
        if (q == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double r = p / q;
        return r - Math.log(r) - 1;
    }

    /** The mean IS loss of {@code fit} applied to the estimates. */
    static double meanLoss(List<Point> points, Fit fit) {
        double sum = 0;
        for (Point x : points) {
            sum += isLoss(x.p(), fit.apply(x.q()));
        }
        return sum / points.size();
    }

    static Score score(List<Point> points, int folds, long seed) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no targets to score");
        }
        Fit fit = fit(points);
        int zeros = (int) points.stream().filter(x -> x.q() == 0).count();
        int withInterval = 0;
        int covered = 0;
        double[] log10Errors = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            Point x = points.get(i);
            if (!Double.isNaN(x.low()) && !Double.isNaN(x.high())) {
                withInterval++;
                covered += x.low() <= x.p() && x.p() <= x.high() ? 1 : 0;
            }
            log10Errors[i] = x.q() > 0 ? Math.abs(Math.log10(x.q() / x.p())) : Double.POSITIVE_INFINITY;
        }
        return new Score(points.size(), zeros, fit, meanLoss(points, fit), crossValidated(points, folds, seed),
                logSquaredError(points), withInterval, withInterval == 0 ? Double.NaN : (double) covered / withInterval,
                median(log10Errors));
    }

    /** The IS-loss fit: a, b on the positive estimates, c₀ on the zeros. */
    static Fit fit(List<Point> points) {
        List<Point> positive = points.stream().filter(x -> x.q() > 0).toList();
        double c0 = points.stream().filter(x -> x.q() == 0).mapToDouble(Point::p).average().orElse(Double.NaN);
        if (positive.isEmpty()) {
            return new Fit(Double.NaN, Double.NaN, c0);
        }
        double[] lnP = positive.stream().mapToDouble(x -> Math.log(x.p())).toArray();
        double[] lnQ = positive.stream().mapToDouble(x -> Math.log(x.q())).toArray();
        double a = 1;
        if (Arrays.stream(lnQ).max().orElseThrow() > Arrays.stream(lnQ).min().orElseThrow()) {
            double lo = -SLOPE_BOUND;
            double hi = SLOPE_BOUND;
            double g = (Math.sqrt(5) - 1) / 2;
            double x1 = hi - g * (hi - lo);
            double x2 = lo + g * (hi - lo);
            double f1 = lossAtSlope(x1, lnP, lnQ);
            double f2 = lossAtSlope(x2, lnP, lnQ);
            for (int step = 0; step < SEARCH_STEPS && hi - lo > 1e-12; step++) {
                if (f1 <= f2) {
                    hi = x2;
                    x2 = x1;
                    f2 = f1;
                    x1 = hi - g * (hi - lo);
                    f1 = lossAtSlope(x1, lnP, lnQ);
                } else {
                    lo = x1;
                    x1 = x2;
                    f1 = f2;
                    x2 = lo + g * (hi - lo);
                    f2 = lossAtSlope(x2, lnP, lnQ);
                }
            }
            a = (lo + hi) / 2;
        }
        return new Fit(a, bestIntercept(a, lnP, lnQ), c0);
    }

    /** b*(a) = LSE_j(ln p_j − a ln q_j) − ln m. */
    static double bestIntercept(double a, double[] lnP, double[] lnQ) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < lnP.length; j++) {
            max = Math.max(max, lnP[j] - a * lnQ[j]);
        }
        double sum = 0;
        for (int j = 0; j < lnP.length; j++) {
            sum += Math.exp(lnP[j] - a * lnQ[j] - max);
        }
        return max + Math.log(sum) - Math.log(lnP.length);
    }

    /** L(a) = b*(a) + a·mean(ln q) − mean(ln p): the mean IS loss at slope a and the best intercept. */
    static double lossAtSlope(double a, double[] lnP, double[] lnQ) {
        return bestIntercept(a, lnP, lnQ) + a * mean(lnQ) - mean(lnP);
    }

    /** The mean held-out IS loss over K folds of the shuffled targets. */
    static double crossValidated(List<Point> points, int folds, long seed) {
        if (folds < 2) {
            throw new IllegalArgumentException("--folds must be at least 2, got " + folds);
        }
        int n = points.size();
        int k = Math.min(folds, n);
        if (k < 2) {
            return Double.NaN;
        }
        int[] order = shuffled(n, seed);
        double sum = 0;
        for (int fold = 0; fold < k; fold++) {
            List<Point> train = new ArrayList<>();
            List<Point> test = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                (i % k == fold ? test : train).add(points.get(order[i]));
            }
            Fit f = fit(train);
            double constant = train.stream().mapToDouble(Point::p).average().orElseThrow();
            Fit usable = new Fit(f.a(), f.b(), Double.isNaN(f.c0()) ? constant : f.c0());
            for (Point x : test) {
                double q = x.q() > 0 && Double.isNaN(usable.a()) ? constant : usable.apply(x.q());
                sum += isLoss(x.p(), q);
            }
        }
        return sum / n;
    }

    /** Mean (ln q' − ln p)² after OLS of ln p on ln q (positive q) and the mean ln p of the zeros. */
    static double logSquaredError(List<Point> points) {
        List<Point> positive = points.stream().filter(x -> x.q() > 0).toList();
        double sum = 0;
        if (!positive.isEmpty()) {
            double[] x = positive.stream().mapToDouble(t -> Math.log(t.q())).toArray();
            double[] y = positive.stream().mapToDouble(t -> Math.log(t.p())).toArray();
            double mx = mean(x);
            double my = mean(y);
            double sxx = 0;
            double sxy = 0;
            for (int j = 0; j < x.length; j++) {
                sxx += (x[j] - mx) * (x[j] - mx);
                sxy += (x[j] - mx) * (y[j] - my);
            }
            double slope = sxx > 0 ? sxy / sxx : 0;
            for (int j = 0; j < x.length; j++) {
                double r = y[j] - (my + slope * (x[j] - mx));
                sum += r * r;
            }
        }
        double[] zeroLogP = points.stream().filter(t -> t.q() == 0).mapToDouble(t -> Math.log(t.p())).toArray();
        if (zeroLogP.length > 0) {
            double m = mean(zeroLogP);
            for (double y : zeroLogP) {
                sum += (y - m) * (y - m);
            }
        }
        return sum / points.size();
    }

    private static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
