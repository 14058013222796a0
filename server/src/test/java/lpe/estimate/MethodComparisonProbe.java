package lpe.estimate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.engine.DjlEngine;
import lpe.model.ModelReader;
import lpe.model.TestModels;
import org.junit.jupiter.api.Test;

/**
 * Measurement, not a CI test (run with {@code -Dtest=MethodComparisonProbe}): the importance-sampling methods and
 * their temperature rules side by side on stories260K's enumerable distribution of Stories260KEstimatorsTest, on
 * every target whose exact p lies in [1e-9, 1e-4] (at most 16, seeded), 20 seeds each at 2^14 samples. Prints per
 * method: zero estimates, coverage of the 95% intervals (upper bounds count as covering when p is below them),
 * median |log10(estimate/p)| over the non-zero estimates, and the mean Itakura–Saito loss p/q − ln(p/q) − 1 over
 * them. docs/benchmarks.md records its output.
 */
class MethodComparisonProbe {

    @Test
    void compare() {
        try (DjlEngine djl = new DjlEngine(new ModelReader().read(TestModels.stories260K()))) {
            CachingEngine engine = new CachingEngine(djl);
            InputDistribution d = new InputDistribution("stories-geometric", List.of(Position.fixed(1),
                    Position.fixed(403), Stories260KEstimatorsTest.geometric(300, 8, 0.7),
                    Stories260KEstimatorsTest.geometric(350, 40, 0.6)));
            List<int[]> inputs = new ArrayList<>();
            for (int a = 0; a < 8; a++) {
                for (int b = 0; b < 40; b++) {
                    inputs.add(new int[] {1, 403, 300 + a, 350 + b});
                }
            }
            engine.prefetch(inputs, 0);
            double[] exact = new double[djl.shape().vocabularySize()];
            List<Integer> targets = new ArrayList<>();
            for (int t = 0; t < exact.length; t++) {
                exact[t] = new ExactEnumeration().run(new EstimationProblem(d, t, new Behavior.Argmax(), 1,
                        Double.NaN, 0), engine, ProgressListener.NONE).estimate();
                if (exact[t] >= 1e-9 && exact[t] <= 1e-4) {
                    targets.add(t);
                }
            }
            java.util.Collections.shuffle(targets, new Random(7));
            targets = targets.subList(0, Math.min(16, targets.size()));
            for (int t : targets) {
                engine.prefetch(inputs, t);
            }
            int budget = Integer.getInteger("budget", 1 << 14);
            int seeds = Integer.getInteger("seeds", 20);
            Tuning table = new Tuning(0.1, 0.25, Tuning.Rule.PAPER_TABLE);
            Tuning adaptive = new Tuning(0.1, 0.25, Tuning.Rule.ADAPTIVE);
            record Arm(String name, Estimator estimator, Tuning tuning) {}
            List<Arm> arms = List.of(
                    new Arm("itgis adaptive", new Itgis(), adaptive),
                    new Arm("itgis table (T=1)", new Itgis(), table),
                    new Arm("itgis-ce adaptive", new Itgis(true), Tuning.DEFAULTS),
                    new Arm("mhis table (T=1.5)", new Mhis(), Tuning.DEFAULTS),
                    new Arm("auto", new Auto(), Tuning.DEFAULTS));
            System.out.printf(Locale.ROOT, "targets %s, p from %.2e to %.2e, budget %d, %d seeds%n", targets,
                    targets.stream().mapToDouble(t -> exact[t]).min().orElseThrow(),
                    targets.stream().mapToDouble(t -> exact[t]).max().orElseThrow(), budget, seeds);
            for (Arm arm : arms) {
                int zeros = 0;
                int covered = 0;
                int runs = 0;
                List<Double> logErrors = new ArrayList<>();
                double isLoss = 0;
                for (int t : targets) {
                    for (int s = 0; s < seeds; s++) {
                        Estimate e = arm.estimator().run(new EstimationProblem(d, t, new Behavior.Argmax(), budget,
                                Double.NaN, 5000 + s, arm.tuning()), engine, ProgressListener.NONE);
                        runs++;
                        if (e.ci95Low() <= exact[t] && exact[t] <= e.ci95High()) {
                            covered++;
                        }
                        if (e.estimate() == 0) {
                            zeros++;
                            continue;
                        }
                        double r = exact[t] / e.estimate();
                        logErrors.add(Math.abs(Math.log10(r)));
                        isLoss += r - Math.log(r) - 1;
                    }
                }
                double[] sorted = logErrors.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf(Locale.ROOT, "%-20s zeros %3d/%d  coverage %5.1f%%  median |log10 err| %.3f  "
                                + "mean IS loss (non-zero) %.3f%n", arm.name(), zeros, runs, 100.0 * covered / runs,
                        sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2],
                        sorted.length == 0 ? Double.NaN : isLoss / sorted.length);
            }
        }
    }
}
