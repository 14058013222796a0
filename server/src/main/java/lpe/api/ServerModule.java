package lpe.api;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import lpe.jobs.JobStore;
import lpe.jobs.JobsConfig;

/**
 * Wires batching, jobs and the API. The model runtime (a {@link lpe.jobs.ModelLoader}, a
 * {@link lpe.jobs.DistributionResolver} and the set of {@link lpe.estimate.Estimator}s) comes from a second module:
 * {@link RuntimeModule} in production, fakes in tests.
 */
public final class ServerModule extends AbstractModule {
    private final ServerConfig server;
    private final JobsConfig jobs;

    public ServerModule(ServerConfig server, JobsConfig jobs) {
        this.server = server;
        this.jobs = jobs;
    }

    @Override
    protected void configure() {
        bind(ServerConfig.class).toInstance(server);
        bind(JobsConfig.class).toInstance(jobs);
        bind(Clock.class).toInstance(Clock.systemUTC());
        bind(MeterRegistry.class).to(PrometheusMeterRegistry.class);
    }

    @Provides
    @Singleton
    PrometheusMeterRegistry meters() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @Provides
    @Singleton
    JobStore store(JobsConfig config) {
        return new JobStore(config.store());
    }
}
