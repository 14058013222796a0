package lpe.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import lpe.dist.Distributions;
import lpe.dist.InputDistribution;
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
import lpe.jobs.ModelHandle;
import lpe.model.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

    @Option(names = "--model", required = true, description = "Model directory, e.g. stories260K's.")
    Path model;

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

    @Mixin
    EngineChoice engineChoice;

    @Override
    public Integer call() {
        ModelHandle handle = engineChoice.models().load(model);
        InputDistribution d;
        int t;
        try {
            d = Distributions.resolve(dist, handle.vocabulary(), Optional.empty());
            t = targetId(handle.vocabulary());
        } catch (IllegalArgumentException e) {
            handle.close();
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        JsonArray rows = new JsonArray();
        try (handle) {
            for (Estimator estimator : new Estimator[] {new Itgis(), new Mhis(Mhis.DEFAULT_CHAINS, burnIn)}) {
                TimedEngine engine = new TimedEngine(handle.engine());
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
            o.addProperty("model", model.toString());
            o.addProperty("engine", engineChoice.label());
            o.addProperty("dist", d.name());
            o.addProperty("positions", d.length());
            o.addProperty("budget", budget);
            o.add("methods", rows);
            out.println(o);
        }
        out.flush();
        return 0;
    }

    /** {@code --target}: {@code id:N} or a vocabulary string as tokenizer.json spells it. */
    private int targetId(Vocabulary vocabulary) {
        if (target.startsWith("id:")) {
            int id;
            try {
                id = Integer.parseInt(target.substring(3));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--target: expected id:N with a whole number N, got '" + target + "'");
            }
            if (id < 0 || id >= vocabulary.size()) {
                throw new IllegalArgumentException("--target: id " + id + " is outside the vocabulary [0, "
                        + vocabulary.size() + ")");
            }
            return id;
        }
        return vocabulary.id(target).orElseThrow(() -> new IllegalArgumentException("--target: '" + target
                + "' is not a token of this vocabulary (spell it as tokenizer.json does, or use id:N)"));
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
