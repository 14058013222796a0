package lpe.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
import lpe.engine.DjlEngine;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.estimate.Behavior;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimator;
import lpe.estimate.Itgis;
import lpe.estimate.Mhis;
import lpe.estimate.ProgressListener;
import lpe.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lpe bench estimators}: for ITGIS and MHIS, the share of wall time spent outside {@link Engine#run} (sampling,
 * weights, acceptance, and the gradient projections onto W_E, which the engine computes but the estimator asks for).
 */
@Command(name = "estimators", mixinStandardHelpOptions = true,
        description = "Share of ITGIS and MHIS wall time spent outside the engine's forward/backward passes.")
final class EstimatorBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "Model directory (default: shared/models/stories260K in a parent directory).")
    String model;

    @Option(names = "--dist", defaultValue = "english", description = "Distribution spec (default ${DEFAULT-VALUE}).")
    String dist;

    @Option(names = "--target", defaultValue = "id:300", description = "Target token (default ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--budget", defaultValue = "4096", description = "Samples per method (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--mhis-burn-in", defaultValue = "64", description = "MHIS burn-in steps (default ${DEFAULT-VALUE}).")
    int burnIn;

    @Option(names = "--json", description = "Print one JSON object as the last line of stdout.")
    boolean json;

    @Override
    public Integer call() {
        if (model == null) {
            model = stories260K();
        }
        Model m = LocalModels.load(model);
        InputDistribution d = Distributions.resolve(dist, m.vocabulary(), Optional.empty());
        int t = TargetToken.parse(target, m.vocabulary(), spec).id();
        PrintWriter out = spec.commandLine().getOut();
        JsonArray rows = new JsonArray();
        try (DjlEngine djl = new DjlEngine(m)) {
            for (Estimator estimator : new Estimator[] {new Itgis(), new Mhis(Mhis.DEFAULT_CHAINS, burnIn)}) {
                TimedEngine engine = new TimedEngine(djl);
                long start = System.nanoTime();
                Estimate e = estimator.run(new EstimationProblem(d, t, new Behavior.Argmax(), budget, 1.0, 1), engine,
                        ProgressListener.NONE);
                double wall = (System.nanoTime() - start) / 1e9;
                double run = engine.runNanos / 1e9;
                double projection = engine.projectionNanos / 1e9;
                JsonObject row = new JsonObject();
                row.addProperty("method", estimator.name());
                row.addProperty("rows", e.forwardPasses());
                row.addProperty("wall_seconds", wall);
                row.addProperty("engine_run_seconds", run);
                row.addProperty("projection_seconds", projection);
                row.addProperty("outside_engine_share", (wall - run) / wall);
                rows.add(row);
                if (!json) {
                    out.printf(Locale.ROOT, "%-6s %7d rows  wall %7.2f s  engine.run %7.2f s  projection %6.2f s"
                                    + "  outside engine %5.1f%%%n", estimator.name(), e.forwardPasses(), wall, run,
                            projection, 100 * (wall - run) / wall);
                }
            }
        }
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("model", model);
            o.addProperty("dist", d.name());
            o.addProperty("positions", d.length());
            o.addProperty("budget", budget);
            o.add("methods", rows);
            out.println(o);
        }
        out.flush();
        return 0;
    }

    private String stories260K() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("shared/models/stories260K"))) {
                return dir.resolve("shared/models/stories260K").toString();
            }
        }
        throw new ParameterException(spec.commandLine(), "--model: not given and no shared/models/stories260K found"
                + " above " + Path.of("").toAbsolutePath());
    }

    /** Times the delegate's calls: forward/backward passes and projections separately. */
    private static final class TimedEngine implements Engine {
        private final Engine delegate;
        long runNanos;
        long projectionNanos;

        TimedEngine(Engine delegate) {
            this.delegate = delegate;
        }

        @Override
        public ModelShape shape() {
            return delegate.shape();
        }

        @Override
        public EngineResult run(EngineRequest request) {
            long start = System.nanoTime();
            try {
                return delegate.run(request);
            } finally {
                runNanos += System.nanoTime() - start;
            }
        }

        @Override
        public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
            long start = System.nanoTime();
            try {
                return delegate.projectOntoEmbeddings(vectors, ids);
            } finally {
                projectionNanos += System.nanoTime() - start;
            }
        }

        @Override
        public float[][] unembedding() {
            return delegate.unembedding();
        }
    }
}
