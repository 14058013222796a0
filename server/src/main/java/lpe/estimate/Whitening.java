package lpe.estimate;

/**
 * QLD's whitening (docs/methods.md#qld, its whitening): mean μ, biased covariance Σ, lower Cholesky factor A of Σ + ridge·I, so
 * that u = A⁻¹(x − μ) has identity covariance. The ridge is needed because normalised activations are singular.
 */
final class Whitening {
    static final double RIDGE = 1e-5;

    final double[] mean;
    /** Lower-triangular A with A·Aᵀ = Σ + ridge·I, row-major. */
    final double[][] factor;

    Whitening(float[][] samples) {
        int n = samples.length;
        int d = samples[0].length;
        mean = new double[d];
        for (float[] x : samples) {
            for (int a = 0; a < d; a++) {
                mean[a] += x[a];
            }
        }
        for (int a = 0; a < d; a++) {
            mean[a] /= n;
        }
        double[][] covariance = new double[d][d];
        double[] centred = new double[d];
        for (float[] x : samples) {
            for (int a = 0; a < d; a++) {
                centred[a] = x[a] - mean[a];
            }
            for (int a = 0; a < d; a++) {
                for (int b = 0; b <= a; b++) {
                    covariance[a][b] += centred[a] * centred[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b <= a; b++) {
                covariance[a][b] /= n;
            }
            covariance[a][a] += RIDGE;
        }
        factor = cholesky(covariance);
    }

    /** Solves A·y = b by forward substitution. */
    double[] solve(double[] b) {
        int d = b.length;
        double[] y = new double[d];
        for (int a = 0; a < d; a++) {
            double s = b[a];
            for (int c = 0; c < a; c++) {
                s -= factor[a][c] * y[c];
            }
            y[a] = s / factor[a][a];
        }
        return y;
    }

    /** A·v. */
    double[] multiply(double[] v) {
        int d = v.length;
        double[] y = new double[d];
        for (int a = 0; a < d; a++) {
            double s = 0;
            for (int c = 0; c <= a; c++) {
                s += factor[a][c] * v[c];
            }
            y[a] = s;
        }
        return y;
    }

    /** Aᵀ·v. */
    double[] multiplyTransposed(double[] v) {
        int d = v.length;
        double[] y = new double[d];
        for (int a = 0; a < d; a++) {
            for (int c = 0; c <= a; c++) {
                y[c] += factor[a][c] * v[a];
            }
        }
        return y;
    }

    /** Lower Cholesky factor of a symmetric positive-definite matrix given by its lower triangle. */
    private static double[][] cholesky(double[][] m) {
        int d = m.length;
        double[][] l = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b <= a; b++) {
                double s = m[a][b];
                for (int c = 0; c < b; c++) {
                    s -= l[a][c] * l[b][c];
                }
                if (a == b) {
                    if (!(s > 0)) {
                        throw new IllegalStateException("activation covariance is not positive definite");
                    }
                    l[a][a] = Math.sqrt(s);
                } else {
                    l[a][b] = s / l[b][b];
                }
            }
        }
        return l;
    }
}
