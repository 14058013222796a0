package lpe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lpe.bench.PaperScore.Fit;
import lpe.bench.PaperScore.Point;
import org.junit.jupiter.api.Test;

/** The paper's scoring against values worked out by hand and against properties of the IS loss and its fit. */
class PaperScoreTest {

    @Test
    void theIsLossIsZeroExactlyWhenTheEstimateIsTheTruth() {
        assertEquals(0, PaperScore.isLoss(3e-7, 3e-7), 1e-15);
        // p/q = 2: 2 - ln 2 - 1; p/q = 1/2: 1/2 + ln 2 - 1
        assertEquals(1 - Math.log(2), PaperScore.isLoss(2e-6, 1e-6), 1e-15);
        assertEquals(Math.log(2) - 0.5, PaperScore.isLoss(1e-6, 2e-6), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, PaperScore.isLoss(1e-6, 0));
        for (double ratio : new double[] {1e-3, 0.5, 0.999, 1.001, 2, 1e3}) {
            assertTrue(PaperScore.isLoss(ratio * 1e-6, 1e-6) > 0, "ratio " + ratio);
        }
    }

    /** For a fixed slope the intercept is closed-form: at a = 1, e^b = mean(p/q). */
    @Test
    void theInterceptAtSlopeOneIsTheLogOfTheMeanRatio() {
        double[] p = {1e-6, 4e-6, 2e-7};
        double[] q = {2e-6, 1e-6, 1e-7};
        double[] lnP = new double[3];
        double[] lnQ = new double[3];
        for (int j = 0; j < 3; j++) {
            lnP[j] = Math.log(p[j]);
            lnQ[j] = Math.log(q[j]);
        }
        double meanRatio = (0.5 + 4 + 2) / 3;
        assertEquals(Math.log(meanRatio), PaperScore.bestIntercept(1, lnP, lnQ), 1e-12);
        // the loss at that intercept, by hand: mean of r/c - ln(r/c) - 1 with c = mean ratio
        double byHand = 0;
        for (double r : new double[] {0.5, 4, 2}) {
            byHand += r / meanRatio - Math.log(r / meanRatio) - 1;
        }
        assertEquals(byHand / 3, PaperScore.lossAtSlope(1, lnP, lnQ), 1e-12);
    }

    /** All true p equal: the best map is the constant p itself (slope 0), with loss 0. */
    @Test
    void equalTruthsAreFittedByTheirConstant() {
        List<Point> points = List.of(new Point(1e-6, 3e-9), new Point(1e-6, 5e-5), new Point(1e-6, 2e-7));
        Fit fit = PaperScore.fit(points);
        assertEquals(0, fit.a(), 1e-6);
        assertEquals(Math.log(1e-6), fit.b(), 1e-5);
        assertEquals(0, PaperScore.meanLoss(points, fit), 1e-10);
    }

    /** Estimates that are an exact power law of the truth (q = 7·p^2) are fitted back to it: loss 0, a = 1/2. */
    @Test
    void aPowerLawOfTheTruthIsFittedExactly() {
        List<Point> points = new ArrayList<>();
        for (double p : new double[] {1e-9, 3e-8, 2e-7, 5e-6, 1e-5}) {
            points.add(new Point(p, 7 * p * p));
        }
        PaperScore.Score s = PaperScore.score(points, 8, 1);
        assertEquals(0.5, s.fit().a(), 1e-6);
        assertEquals(0, s.isLoss(), 1e-9);
        assertEquals(0, s.logSquaredError(), 1e-12);
    }

    /** Zeros get their own constant, the mean of their p: p = 1e-6 and 3e-6 give c0 = 2e-6. */
    @Test
    void zerosAreScoredWithTheMeanOfTheirTruth() {
        List<Point> points = List.of(new Point(1e-6, 0), new Point(3e-6, 0));
        PaperScore.Score s = PaperScore.score(points, 8, 1);
        assertEquals(2e-6, s.fit().c0(), 1e-18);
        double byHand = ((0.5 - Math.log(0.5) - 1) + (1.5 - Math.log(1.5) - 1)) / 2;
        assertEquals(byHand, s.isLoss(), 1e-12);
        assertEquals(2, s.zeros());
        assertEquals(Double.POSITIVE_INFINITY, s.medianAbsLog10Error());
        // squared log error: ln p about their mean, ((ln 3)/2)^2 each
        assertEquals(Math.pow(Math.log(3) / 2, 2), s.logSquaredError(), 1e-12);
    }

    /** Naive sampling without a hit is exactly the optimal constant: no constant does better. */
    @Test
    void allZeroEstimatesScoreAsTheOptimalConstant() {
        SplittableRandom random = new SplittableRandom(3);
        List<Point> zeros = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            zeros.add(new Point(Math.pow(10, -9 + 4 * random.nextDouble()), 0));
        }
        double loss = PaperScore.score(zeros, 8, 1).isLoss();
        double mean = zeros.stream().mapToDouble(Point::p).average().orElseThrow();
        assertEquals(PaperScore.meanLoss(zeros, new Fit(Double.NaN, Double.NaN, mean)), loss, 1e-12);
        for (double factor : new double[] {0.5, 0.9, 1.1, 2}) {
            assertTrue(PaperScore.meanLoss(zeros, new Fit(Double.NaN, Double.NaN, factor * mean)) > loss);
        }
    }

    /** The fit can only lower the loss of positive estimates: the unfitted map (a = 1, b = 0) is one candidate. */
    @Test
    void theFittedLossIsAtMostTheUnfittedOne() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 50; trial++) {
            List<Point> points = noisy(random, 32, 0);
            double fitted = PaperScore.score(points, 8, trial).isLoss();
            double unfitted = PaperScore.meanLoss(points, new Fit(1, 0, Double.NaN));
            assertTrue(fitted <= unfitted + 1e-12, fitted + " > " + unfitted);
            // and the golden-section minimum is the minimum: no slope on a grid does better
            Fit fit = PaperScore.fit(points);
            for (double a = -3; a <= 3; a += 0.01) {
                double[] lnP = points.stream().mapToDouble(x -> Math.log(x.p())).toArray();
                double[] lnQ = points.stream().mapToDouble(x -> Math.log(x.q())).toArray();
                assertTrue(PaperScore.meanLoss(points, fit) <= PaperScore.lossAtSlope(a, lnP, lnQ) + 1e-9);
            }
        }
    }

    /** Held-out targets cannot be fitted as well as the training ones, on average over many draws. */
    @Test
    void crossValidatedLossIsAtLeastTheInSampleLossOnAverage() {
        SplittableRandom random = new SplittableRandom(7);
        double inSample = 0;
        double held = 0;
        for (int trial = 0; trial < 200; trial++) {
            PaperScore.Score s = PaperScore.score(noisy(random, 64, 0.2), 8, trial);
            inSample += s.isLoss();
            held += s.isLossCrossValidated();
        }
        assertTrue(held > inSample, "cross-validated " + held / 200 + " vs in-sample " + inSample / 200);
    }

    /** Coverage counts the targets whose reported interval holds p; those without an interval are left out. */
    @Test
    void coverageCountsIntervalsThatHoldTheTruth() {
        List<Point> points = List.of(new Point(1e-6, 1e-6, 5e-7, 2e-6), new Point(1e-6, 3e-6, 2e-6, 4e-6),
                new Point(1e-6, 0, 0, 3e-6), new Point(1e-6, 1e-6));
        PaperScore.Score s = PaperScore.score(points, 8, 1);
        assertEquals(3, s.withInterval());
        assertEquals(2.0 / 3, s.coverage95(), 1e-15);
        // |log10 error|: 0, log10 3, inf, 0 -> median of (0, 0, 0.477, inf) = 0.2386
        assertEquals(Math.log10(3) / 2, s.medianAbsLog10Error(), 1e-12);
    }

    @Test
    void aTargetWithoutTruthIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Point(0, 1e-6));
        assertTrue(e.getMessage().contains("true p > 0"), e.getMessage());
    }

    /** Targets with p log-uniform in [1e-9, 1e-5], q = p·e^(noise) (a fraction of them 0). */
    private static List<Point> noisy(SplittableRandom random, int n, double zeroShare) {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double p = Math.pow(10, -9 + 4 * random.nextDouble());
            double q = random.nextDouble() < zeroShare ? 0 : p * Math.exp(1.5 * random.nextGaussian());
            points.add(new Point(p, q));
        }
        return points;
    }
}
