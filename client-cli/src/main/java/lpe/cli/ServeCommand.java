package lpe.cli;

import com.google.inject.Guice;
import com.google.inject.util.Modules;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import lpe.api.LpeServer;
import lpe.api.RuntimeModule;
import lpe.api.ServerConfig;
import lpe.api.ServerModule;
import lpe.api.TokensFile;
import lpe.batching.BatcherConfig;
import lpe.jobs.Caller;
import lpe.jobs.JobsConfig;
import lpe.jobs.JobStore;
import lpe.jobs.ModelLoader;
import lpe.jobs.StoreLocation;
import lpe.jobs.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lpe serve}: the gRPC estimation server. Models are directory names under {@code --model-root}; jobs live in
 * the store {@code --store} (an SQLite file, or a PostgreSQL database that several replicas share), which a restarted
 * server picks up (finished results kept, queued jobs run again, running ones resumed from their last checkpoint).
 * SIGTERM / Ctrl-C shut it down gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gRPC estimation server.")
public final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);
    private static final int DEFAULT_METRICS_PORT = 9464;

    @Option(names = "--port", defaultValue = "50051", description = "gRPC port (default ${DEFAULT-VALUE}; 0 picks one).")
    int port;

    @Option(names = "--model-root", description = "Directory whose subdirectories are the models"
            + " (default: $LPE_MODEL_ROOT, else <repository>/models).")
    Path modelRoot;

    @Option(names = "--store", defaultValue = "${env:LPE_STORE}", description = "Job store: an SQLite file in an"
            + " existing directory, or postgresql://user:password@host:port/database (default: $LPE_STORE, else"
            + " <repository>/runtime/jobs.db).")
    String store;

    @Option(names = "--metrics-port", description = "Prometheus /metrics HTTP port (default 9464, or a free port"
            + " when 9464 is taken; -1 disables).")
    Integer metricsPort;

    @Option(names = "--bind", description = "Address the gRPC and metrics ports listen on, e.g. 127.0.0.1"
            + " (default: every interface).")
    String bind;

    @Option(names = "--token", defaultValue = "${env:LPE_TOKEN}",
            description = "Bearer token every call and metrics scrape must carry (default: $LPE_TOKEN; none: no"
                    + " authentication). Visible in ps: prefer --token-file or $LPE_TOKEN.")
    String token;

    @Option(names = "--token-file", description = "File whose first line is the bearer token (instead of --token).")
    Path tokenFile;

    @Option(names = "--tokens-file", description = "File of identities, one a line, name:role:token (role user or"
            + " admin), instead of --token: a job belongs to the identity that submitted it; users see and cancel"
            + " their own jobs only, admins every job.")
    Path tokensFile;

    @Option(names = "--tls-cert", description = "PEM certificate chain; with --tls-key, serve TLS.")
    Path tlsCertificate;

    @Option(names = "--tls-key", description = "PEM private key (PKCS#8).")
    Path tlsKey;

    @Option(names = "--preload", split = ",", description = "Models to load before health reports SERVING.")
    List<String> preload = new ArrayList<>();

    @Option(names = "--max-running", defaultValue = "128", description = "Jobs running at once (default ${DEFAULT-VALUE}).")
    int maxRunning;

    @Option(names = "--max-queued", defaultValue = "1024",
            description = "Jobs waiting behind them; more are refused RESOURCE_EXHAUSTED (default ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--max-budget", defaultValue = "16777216", description = "Largest budget of one job (default ${DEFAULT-VALUE}).")
    long maxBudget;

    @Option(names = "--batch-rows", defaultValue = "512", description = "Row limit of a device batch (default ${DEFAULT-VALUE}).")
    int batchRows;

    @Option(names = "--batch-delay-ms", defaultValue = "2",
            description = "Longest wait for other jobs' rows before a batch runs (default ${DEFAULT-VALUE}).")
    long batchDelayMillis;

    @Option(names = "--checkpoint-ms", defaultValue = "5000", description = "Least time between two saves of a"
            + " running job's estimator states, from which it resumes after a crash (default ${DEFAULT-VALUE}; 0: no"
            + " checkpoints, a running job then starts again from the beginning after a crash).")
    long checkpointMillis;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        ModelLoader models = engine.models();
        Path home = Path.of(System.getProperty("lpe.home", "."));
        Path root = modelRoot != null ? modelRoot
                : System.getenv("LPE_MODEL_ROOT") != null ? Path.of(System.getenv("LPE_MODEL_ROOT"))
                : home.resolve("models");
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("--model-root " + root + " is not a directory");
        }
        if (checkpointMillis < 0) {
            throw new IllegalArgumentException("--checkpoint-ms must be >= 0 (0: no checkpoints), got "
                    + checkpointMillis);
        }
        JobsConfig jobs = new JobsConfig(root, storeLocation(home), maxRunning, maxQueued, maxBudget,
                new BatcherConfig(batchRows, Duration.ofMillis(batchDelayMillis)), Duration.ofMillis(checkpointMillis));
        ServerConfig config = tokensFile == null
                ? new ServerConfig(port, metricsPort(), token(), tlsCertificate, tlsKey, preload, bind)
                : new ServerConfig(port, metricsPort(), identities(), tlsCertificate, tlsKey, preload, bind);
        JobStore openedStore;
        try {
            openedStore = new JobStore(jobs.store());
        } catch (StoreUnavailableException e) {
            throw new UserError(e.getMessage(), e);
        }
        // The store opened here, so that a store that cannot be used stops the server with its one line (inside
        // Guice it would come wrapped in a provisioning error).
        LpeServer server = Guice.createInjector(
                        Modules.override(new ServerModule(config, jobs)).with(b -> b.bind(JobStore.class).toInstance(openedStore)),
                        new RuntimeModule(models))
                .getInstance(LpeServer.class)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "lpe-shutdown"));
        String host = bind == null ? "localhost" : bind;
        System.out.println("lpe serve: listening on " + (bind == null ? "port " : bind + " port ") + server.port()
                + (server.metricsPort() >= 0 ? ", metrics on http://" + host + ":" + server.metricsPort() + "/metrics"
                        : ""));
        System.out.flush();
        server.awaitTermination();
        return 0;
    }

    /** --tokens-file's identities; refused with --token or --token-file. */
    private Map<String, Caller> identities() {
        if (tokenFile != null || token != null && !token.isEmpty() && System.getenv("LPE_TOKEN") == null) {
            throw new IllegalArgumentException("give --tokens-file or --token / --token-file, not both");
        }
        return TokensFile.read(tokensFile);
    }

    /** --token-file's first line, else --token / $LPE_TOKEN; null when none (no authentication). */
    private String token() throws IOException {
        if (tokenFile == null) {
            return token == null || token.isEmpty() ? null : token;
        }
        if (token != null && !token.isEmpty() && System.getenv("LPE_TOKEN") == null) {
            throw new IllegalArgumentException("give the token once: --token or --token-file, not both");
        }
        if (!Files.isRegularFile(tokenFile)) {
            throw new IllegalArgumentException("--token-file " + tokenFile + " is not a readable file");
        }
        String first = Files.readAllLines(tokenFile).stream().findFirst().orElse("").strip();
        if (first.isEmpty()) {
            throw new IllegalArgumentException("--token-file " + tokenFile + ": the first line is empty; put the token"
                    + " there");
        }
        return first;
    }

    /**
     * The named store, else {@code <repository>/runtime/jobs.db}. The server's own {@code runtime/} directory is
     * created when missing; any other store's directory must exist (a mistyped path is refused, not created).
     */
    private StoreLocation storeLocation(Path home) throws IOException {
        StoreLocation location = store != null && !store.isEmpty() ? StoreLocation.parse(store)
                : StoreLocation.sqlite(home.resolve("runtime/jobs.db"));
        Path runtime = home.resolve("runtime").toAbsolutePath().normalize();
        if (location.file() != null && runtime.equals(location.file().getParent())) {
            Files.createDirectories(runtime);
        }
        return location;
    }

    private int metricsPort() {
        if (metricsPort != null) {
            return metricsPort;
        }
        try (ServerSocket probe = new ServerSocket(DEFAULT_METRICS_PORT)) {
            return DEFAULT_METRICS_PORT;
        } catch (IOException taken) {
            log.warn("metrics port {} is taken; serving metrics on a free port instead", DEFAULT_METRICS_PORT);
            return 0;
        }
    }
}
