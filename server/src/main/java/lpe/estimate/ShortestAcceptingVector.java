package lpe.estimate;

import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The paper's search for (approximately) the shortest z with D·z + e ≥ 0 (docs/methods.md#qld, its shortest accepting vector): random projections
 * onto violated constraints' hyperplanes, shrinking the first R feasible points. Parameters as the public code: R =
 * 200, shrink 0.95, "unsatisfied" meaning c_j < +1e-9 (what the official experiments used), 100·R iterations. Unlike
 * the Python, an empty unsatisfied set skips the projection instead of crashing, and feasibility is tested as
 * c_j ≥ −1e-9 rather than c_j ≥ 0: a projection puts z exactly on a hyperplane, where rounding makes c_j = ±1e-16, and
 * with the exact test the search failed on 3 of 18 targets of the Gaussian test (QLD then reported p = 0).
 */
final class ShortestAcceptingVector {
    static final int ROUNDS = 200;
    static final double SHRINK = 0.95;
    static final double TOLERANCE = 1e-9;

    private ShortestAcceptingVector() {}

    /** z, or empty when no feasible point was found in 100·R iterations (the constraints look infeasible). */
    static Optional<double[]> find(double[][] constraints, double[] offsets, RandomGenerator random) {
        int rows = constraints.length;
        int d = constraints[0].length;
        double[] norms = new double[rows];
        for (int j = 0; j < rows; j++) {
            norms[j] = dot(constraints[j], constraints[j]);
        }
        double[] z = new double[d];
        double[] c = new double[rows];
        int[] unsatisfied = new int[rows];
        for (int it = 0; it < 100 * ROUNDS; it++) {
            int count = 0;
            for (int j = 0; j < rows; j++) {
                c[j] = dot(constraints[j], z) + offsets[j];
                if (c[j] < TOLERANCE) {
                    unsatisfied[count++] = j;
                }
            }
            if (count > 0) {
                int j = unsatisfied[random.nextInt(count)];
                double step = c[j] / norms[j];
                for (int a = 0; a < d; a++) {
                    z[a] -= step * constraints[j][a];
                }
            }
            if (feasible(constraints, offsets, z)) {
                if (it >= ROUNDS) {
                    return Optional.of(z);
                }
                for (int a = 0; a < d; a++) {
                    z[a] *= SHRINK;
                }
            }
        }
        return Optional.empty();
    }

    private static boolean feasible(double[][] constraints, double[] offsets, double[] z) {
        for (int j = 0; j < constraints.length; j++) {
            if (dot(constraints[j], z) + offsets[j] < -TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
