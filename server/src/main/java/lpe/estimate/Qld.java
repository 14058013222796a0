package lpe.estimate;

import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import lpe.engine.Engine;
import lpe.engine.Output;

/**
 * QLD (docs/methods.md, "QLD"): whiten n final activations, split each into its component r along the shortest accepting
 * direction d and the orthogonal rest a, and count, over all n² recombinations a_k + r_l·d, the share whose logits
 * make t the argmax; each k costs one logit row and two binary searches over the sorted r.
 *
 * <p>The corrected algorithm is the default. {@code publicCode = true} reproduces the public code's two defects
 * (docs/methods.md, "QLD"): whitening as x − A⁻¹μ instead of A⁻¹(x − μ), and recombining the full whitened vector u_k instead of its
 * orthogonal part; and, like it, ignores constraints parallel to d that can never be met.
 *
 * <p>Uncertainty: no sampling-theory interval for the true p exists (the independence of r and a is an assumption),
 * and that assumption, not sampling noise, dominates the error. So the result has no interval (kind NONE, [0, 1]);
 * the standard error reports only the noise of the activation samples given that assumption: p̂ is a V-statistic
 * (1/n²)·Σ_{k,l} h(k, l), so by Hoeffding's decomposition Var(p̂) ≈ Var_k(h₁(k) + h₂(k)) / n with h₁(k) the share of r
 * accepted with a_k and h₂(l) the share of a accepted with r_l. ESS is n.
 * If the search for an accepting vector fails, t is treated as never the argmax: p̂ = 0.
 */
public final class Qld implements Estimator {
    private final boolean publicCode;

    public Qld() {
        this(false);
    }

    public Qld(boolean publicCode) {
        this.publicCode = publicCode;
    }

    @Override
    public String name() {
        return "qld";
    }

    @Override
    public String refusal(Behavior behavior) {
        return ActivationSamples.refusal(name(), behavior);
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        Checks.validate(problem, engine.shape());
        long start = System.nanoTime();
        float[][] activations = ActivationSamples.draw(problem, engine, Output.ACTIVATIONS, name(), progress,
                checkpoints, row -> row);
        Checks.throwIfCancelled();
        double[] counts = estimateCounts(activations, engine.unembedding(), problem.target(),
                new SplittableRandom(problem.seed()).split());
        int n = activations.length;
        double seconds;
        if (counts == null) {
            seconds = (System.nanoTime() - start) / 1e9;
            return Estimate.of(name(), 0, 0, Interval.NONE, n, n, n, 0, seconds, problem.seed());
        }
        double p = 0;
        for (int k = 0; k < n; k++) {
            p += counts[k];
        }
        p /= n;
        double variance = 0;
        for (int k = 0; k < n; k++) {
            variance += (counts[n + k] - 2 * p) * (counts[n + k] - 2 * p);
        }
        double se = n > 1 ? Math.sqrt(variance / (n - 1) / n) : 0;
        seconds = (System.nanoTime() - start) / 1e9;
        return Estimate.of(name(), p, se, Interval.NONE, n, n, n, 0, seconds, problem.seed());
    }

    /**
     * For samples k: h₁(k) in [0, n) and h₁(k) + h₂(k) in [n, 2n) of the result; null when no accepting vector exists.
     * Package-private for the Gaussian test, which has activations but no model.
     */
    double[] estimateCounts(float[][] activations, float[][] unembedding, int target, SplittableRandom random) {
        int n = activations.length;
        int d = activations[0].length;
        int vocabulary = unembedding.length;
        Whitening whitening = new Whitening(activations);
        double[][] w = new double[vocabulary][d];
        for (int j = 0; j < vocabulary; j++) {
            for (int a = 0; a < d; a++) {
                w[j][a] = unembedding[j][a];
            }
        }
        // constraints D_j·u + e_j ≥ 0 for j ≠ t, with D_j = Aᵀ(w_t − w_j) and e_j = (w_t − w_j)·μ
        double[][] constraints = new double[vocabulary - 1][];
        double[] offsets = new double[vocabulary - 1];
        for (int j = 0, row = 0; j < vocabulary; j++) {
            if (j == target) {
                continue;
            }
            double[] diff = new double[d];
            for (int a = 0; a < d; a++) {
                diff[a] = w[target][a] - w[j][a];
            }
            constraints[row] = whitening.multiplyTransposed(diff);
            offsets[row++] = ShortestAcceptingVector.dot(diff, whitening.mean);
        }
        Optional<double[]> shortest = ShortestAcceptingVector.find(constraints, offsets, random);
        if (shortest.isEmpty()) {
            return null;
        }
        double[] direction = unit(shortest.get(), constraints, offsets);

        double[][] u = whiten(activations, whitening);
        double[] r = new double[n];
        for (int k = 0; k < n; k++) {
            r[k] = ShortestAcceptingVector.dot(direction, u[k]);
        }
        double[] sorted = r.clone();
        Arrays.sort(sorted);
        double[] slopes = new double[constraints.length];
        for (int j = 0; j < constraints.length; j++) {
            slopes[j] = ShortestAcceptingVector.dot(constraints[j], direction);
        }
        double[] lows = new double[n];
        double[] highs = new double[n];
        double[] result = new double[2 * n];
        double[] rest = new double[d];
        for (int k = 0; k < n; k++) {
            if ((k & 1023) == 0) {
                Checks.throwIfCancelled();
            }
            for (int a = 0; a < d; a++) {
                rest[a] = publicCode ? u[k][a] : u[k][a] - r[k] * direction[a];
            }
            double low = Double.NEGATIVE_INFINITY;
            double high = Double.POSITIVE_INFINITY;
            for (int j = 0; j < constraints.length; j++) {
                double margin = ShortestAcceptingVector.dot(constraints[j], rest) + offsets[j];
                double m = slopes[j];
                if (m > 0) {
                    low = Math.max(low, -margin / m);
                } else if (m < 0) {
                    high = Math.min(high, -margin / m);
                } else if (margin < 0 && !publicCode) {
                    high = Double.NEGATIVE_INFINITY;
                }
            }
            lows[k] = low;
            highs[k] = high;
            result[k] = Math.max(0, lowerBound(sorted, high) - lowerBound(sorted, low)) / (double) n;
        }
        addSecondProjection(r, lows, highs, result);
        return result;
    }

    /** Adds h₂(l) = #{k : low_k ≤ r_l < high_k} / n to result[n + l], which already holds h₁(l). */
    private static void addSecondProjection(double[] r, double[] lows, double[] highs, double[] result) {
        int n = r.length;
        double[] l = new double[n];
        double[] h = new double[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (lows[k] < highs[k]) {
                l[m] = lows[k];
                h[m++] = highs[k];
            }
        }
        l = Arrays.copyOf(l, m);
        h = Arrays.copyOf(h, m);
        Arrays.sort(l);
        Arrays.sort(h);
        for (int k = 0; k < n; k++) {
            double inside = upperBound(l, r[k]) - upperBound(h, r[k]);
            result[n + k] = result[k] + inside / n;
        }
    }

    private double[][] whiten(float[][] activations, Whitening whitening) {
        int d = whitening.mean.length;
        double[] shiftedMean = whitening.solve(whitening.mean);
        double[][] u = new double[activations.length][];
        double[] x = new double[d];
        for (int k = 0; k < activations.length; k++) {
            if (publicCode) { // the public code's x − μ·A^{-T}: it subtracts A⁻¹μ from the unwhitened x
                u[k] = new double[d];
                for (int a = 0; a < d; a++) {
                    u[k][a] = activations[k][a] - shiftedMean[a];
                }
            } else {
                for (int a = 0; a < d; a++) {
                    x[a] = activations[k][a] - whitening.mean[a];
                }
                u[k] = whitening.solve(x);
            }
        }
        return u;
    }

    /**
     * z/‖z‖; when z = 0 (t is already the argmax at the mean activation) the normal of the nearest constraint
     * hyperplane is used instead (our decision: the shortest accepting vector is then undefined).
     */
    private static double[] unit(double[] z, double[][] constraints, double[] offsets) {
        double norm = Math.sqrt(ShortestAcceptingVector.dot(z, z));
        double[] v = z;
        if (norm == 0) {
            int nearest = 0;
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < constraints.length; j++) {
                double distance = offsets[j] / Math.sqrt(ShortestAcceptingVector.dot(constraints[j], constraints[j]));
                if (distance < best) {
                    best = distance;
                    nearest = j;
                }
            }
            v = constraints[nearest];
            norm = Math.sqrt(ShortestAcceptingVector.dot(v, v));
        }
        double[] unit = new double[v.length];
        for (int a = 0; a < v.length; a++) {
            unit[a] = v[a] / norm;
        }
        return unit;
    }

    /** First index i with sorted[i] ≥ x ("left" semantics). */
    private static int lowerBound(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Number of elements ≤ x. */
    private static int upperBound(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
