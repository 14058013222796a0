package lpe.estimate;

import lpe.engine.Engine;
import lpe.engine.Output;

/**
 * GLD (docs/methods.md, "GLD"): fit a Gaussian N(μ, σ²) to Δ = logit_t − max_v logit_v over n samples of D and report
 * p̂ = Pr[N(μ, σ²) ≥ 0] = Φ(μ/σ), computed through log Φ so that tiny values survive.
 *
 * <p>Uncertainty: no sampling-theory interval for the true p exists, because the Gaussian shape is an assumption, and
 * that assumption, not sampling noise, dominates the error (10–100x on real targets, where the fit's noise is a few
 * percent). So the result has no interval (kind NONE, [0, 1]); the standard error reports only the noise of fitting
 * (μ, σ) from n samples: by the delta method Var(μ/σ) ≈ (1 + z²/2)/n and se = φ(z)·se_z. ESS is n. When every Δ is
 * equal (σ = 0) the answer is 1 if t is always the argmax and 0 otherwise.
 */
public final class Gld implements Estimator {

    @Override
    public String name() {
        return "gld";
    }

    @Override
    public String refusal(Behavior behavior) {
        return ActivationSamples.refusal(name(), behavior);
    }

    @Override
    public Estimate run(EstimationProblem problem, Engine engine, ProgressListener progress, Checkpoints checkpoints) {
        Checks.validate(problem, engine.shape());
        long start = System.nanoTime();
        int target = problem.target();
        float[][] kept = ActivationSamples.draw(problem, engine, Output.LOGITS, name(), progress, checkpoints,
                row -> {
                    float max = Float.NEGATIVE_INFINITY;
                    for (float l : row) {
                        max = Math.max(max, l);
                    }
                    return new float[] {row[target] - max};
                });
        int n = kept.length;
        double[] delta = new double[n];
        double mean = 0;
        for (int k = 0; k < n; k++) {
            delta[k] = kept[k][0];
            mean += delta[k];
        }
        mean /= n;
        double squares = 0;
        for (double x : delta) {
            squares += (x - mean) * (x - mean);
        }
        double sigma = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sigma == 0) {
            double p = mean == 0 ? 1 : 0;
            return Estimate.of(name(), p, 0, Interval.NONE, n, n, n, 0, seconds, problem.seed());
        }
        double z = mean / sigma;
        double seZ = Math.sqrt((1 + z * z / 2) / n);
        double p = Math.exp(LogMath.logNormalCdf(z));
        double se = Math.exp(-z * z / 2 - 0.5 * Math.log(2 * Math.PI)) * seZ;
        return Estimate.of(name(), p, se, Interval.NONE, n, n, n, 0, seconds, problem.seed());
    }
}
