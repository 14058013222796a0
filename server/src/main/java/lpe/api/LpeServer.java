package lpe.api;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import lpe.jobs.JobRunner;
import lpe.jobs.JobStore;
import lpe.jobs.ModelRegistry;
import lpe.v1.EstimationServiceGrpc;
import lpe.v1.ModelServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server: gRPC (EstimationService, ModelService, grpc.health.v1, reflection) behind the request-id,
 * deadline and (optional) bearer-token interceptors, plus Prometheus metrics over HTTP (behind the same token), both
 * on the configured bind address. On start it recovers the
 * store's unfinished jobs and loads the preload models; health turns SERVING once they are warm.
 */
public final class LpeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LpeServer.class);
    /** Requests larger than this are refused by gRPC with RESOURCE_EXHAUSTED. */
    static final int MAX_REQUEST_BYTES = 4 << 20;

    private final ServerConfig config;
    private final EstimationService estimation;
    private final ModelService modelService;
    private final JobRunner runner;
    private final ModelRegistry models;
    private final JobStore store;
    private final PrometheusMeterRegistry meters;
    private final HealthStatusManager health = new HealthStatusManager();
    private Server server;
    private MetricsHttpServer metrics;

    @Inject
    LpeServer(ServerConfig config, EstimationService estimation, ModelService modelService, JobRunner runner,
            ModelRegistry models, JobStore store, PrometheusMeterRegistry meters) {
        this.config = config;
        this.estimation = estimation;
        this.modelService = modelService;
        this.runner = runner;
        this.models = models;
        this.store = store;
        this.meters = meters;
    }

    /** Listens on the configured port (TLS when configured) and serves metrics. */
    public LpeServer start() {
        ServerCredentials credentials;
        try {
            credentials = config.tls()
                    ? TlsServerCredentials.create(config.tlsCertificate().toFile(), config.tlsPrivateKey().toFile())
                    : InsecureServerCredentials.create();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS certificate or key: " + e.getMessage(), e);
        }
        if (config.metricsPort() >= 0) {
            metrics = new MetricsHttpServer(address(config.metricsPort()), config.tokens().entrySet().stream()
                    .filter(t -> t.getValue().admin()).map(java.util.Map.Entry::getKey).toList(), meters);
        }
        return start(config.bind() == null ? Grpc.newServerBuilderForPort(config.port(), credentials)
                : NettyServerBuilder.forAddress(address(config.port()), credentials));
    }

    /** The configured bind address (every interface when none) with this port. */
    private InetSocketAddress address(int port) {
        if (config.bind() == null) {
            return new InetSocketAddress(port);
        }
        InetSocketAddress address = new InetSocketAddress(config.bind(), port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("--bind " + config.bind() + ": no such host or address");
        }
        return address;
    }

    /** Serves on the given builder (tests pass an in-process one). */
    public LpeServer start(ServerBuilder<?> builder) {
        health.setStatus("", ServingStatus.NOT_SERVING);
        builder.addService(MalformedRequests.guard(estimation))
                .addService(MalformedRequests.guard(modelService))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .maxInboundMessageSize(MAX_REQUEST_BYTES);
        if (config.authenticated()) {
            builder.intercept(new AuthInterceptor(config.tokens()));
        }
        builder.intercept(new DeadlineInterceptor());
        builder.intercept(new RequestIdInterceptor());
        try {
            server = builder.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the gRPC server on port " + config.port() + ": "
                    + e.getMessage(), e);
        }
        runner.recover();
        for (String model : config.preload()) {
            models.load(model);
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(EstimationServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        health.setStatus(ModelServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        log.info("serving bind={} port={} tls={} auth={} metrics_port={} models={}",
                config.bind() == null ? "*" : config.bind(), port(), config.tls(),
                config.authenticated(), metrics == null ? "off" : metrics.port(), config.preload());
        return this;
    }

    public int port() {
        return server.getPort();
    }

    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    /** Jobs queued or running. */
    public int activeJobs() {
        return runner.activeJobs();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops accepting calls, marks running jobs interrupted, releases models and the store. */
    @Override
    public void close() {
        health.enterTerminalState();
        if (server != null) {
            server.shutdown();
        }
        runner.close();
        try {
            if (server != null && !server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        models.close();
        store.close();
        if (metrics != null) {
            metrics.close();
        }
        log.info("stopped");
    }
}
