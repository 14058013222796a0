package lpe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.inject.Guice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import lpe.api.LpeServer;
import lpe.api.RuntimeModule;
import lpe.api.ServerConfig;
import lpe.api.ServerModule;
import lpe.batching.BatcherConfig;
import lpe.dist.Distributions;
import lpe.engine.DjlEngine;
import lpe.estimate.Behavior;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimators;
import lpe.estimate.ProgressListener;
import lpe.jobs.JobsConfig;
import lpe.model.Model;
import lpe.model.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's server path against the real server (DJL engine, real estimators) on stories260K over loopback: what the
 * CLI prints equals the same estimator run directly, in-process, with the same request and seed.
 */
class RealServerTest {

    @TempDir
    Path dir;

    /** ../shared/models (or -Dlpe.shared=DIR/models' parent), found by walking up from the working directory. */
    static Path modelRoot() {
        String property = System.getProperty("lpe.shared");
        if (property != null) {
            return Path.of(property).resolve("models");
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("shared/models/stories260K"))) {
                return p.resolve("shared/models");
            }
        }
        throw new IllegalStateException("shared/models/stories260K not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void estimateThroughTheServerEqualsTheInProcessRunWithTheSameSeed() throws Exception {
        Path root = modelRoot();
        var jobs = new JobsConfig(root, dir.resolve("jobs.db"), 4, 4, 1 << 20, new BatcherConfig(512, Duration.ofMillis(2)));
        var config = new ServerConfig(0, -1, null, null, null, List.of("stories260K"));
        try (LpeServer server = Guice.createInjector(new ServerModule(config, jobs), new RuntimeModule())
                .getInstance(LpeServer.class).start()) {
            var options = new ServerOptions();
            options.server = "127.0.0.1:" + server.port();
            var spec = JobSpecs.of("stories260K", "hex", "id:400", null, "itgis", 64, null, 6L).build();
            var out = new StringWriter();
            assertEquals(0, new ServerJob(options, new PrintWriter(out)).run(spec, true, false));
            JsonObject printed = JsonParser.parseString(out.toString().strip()).getAsJsonObject();

            Model model = new ModelLoader().load(root.resolve("stories260K"));
            Estimate direct;
            try (DjlEngine engine = new DjlEngine(model)) {
                direct = Estimators.byName("itgis", false).run(new EstimationProblem(
                        Distributions.resolve("hex", model.vocabulary(), Optional.empty()), 400, new Behavior.Argmax(),
                        64, Double.NaN, 6), engine, ProgressListener.NONE);
            }
            // batches may group rows differently on the server: agreement to float rounding, not bit for bit
            assertEquals(direct.estimate(), printed.get("estimate").getAsDouble(), 1e-5 * Math.abs(direct.estimate()));
            assertEquals(direct.stdError(), printed.get("std_error").getAsDouble(), 1e-5 * Math.abs(direct.stdError()));
            assertEquals(direct.ci95Low(), printed.getAsJsonArray("ci95").get(0).getAsDouble(),
                    1e-5 * Math.abs(direct.ci95Low()) + 1e-300);
            assertEquals(direct.forwardPasses(), printed.get("forward_passes").getAsLong());
            assertEquals(direct.backwardPasses(), printed.get("backward_passes").getAsLong());
            assertEquals(6, printed.get("seed").getAsLong());
            assertEquals("itgis", printed.get("method").getAsString());
            assertEquals(400, printed.getAsJsonObject("target").get("id").getAsInt());
            assertEquals(model.vocabulary().token(400), printed.getAsJsonObject("target").get("token").getAsString());
        }
    }
}
