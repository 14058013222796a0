package lpe.api;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.multibindings.Multibinder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import lpe.batching.BatcherConfig;
import lpe.estimate.Auto;
import lpe.estimate.Estimator;
import lpe.estimate.Estimators;
import lpe.estimate.ExactEnumeration;
import lpe.estimate.Mhis;
import lpe.jobs.DistributionResolver;
import lpe.jobs.DjlModels;
import lpe.jobs.JobsConfig;
import lpe.jobs.ModelLoader;
import lpe.jobs.SpecDistributions;
import lpe.jobs.StoreLocation;

/**
 * The production runtime (DJL on the CPU, JSON distributions, every estimator) in its own JVM, for the
 * resume-after-kill test: {@code RealServerMain STORE MODEL_ROOT CHECKPOINT_MS}. MHIS (alone and in auto) runs 8
 * chains after 64 burn-in steps instead of 32 after 1,024, which take a minute on two CPU cores. One job runs at a
 * time, so that each job's device batches hold its own rows only. Prints {@code PORT n} once it serves, then runs
 * until killed.
 */
public final class RealServerMain {
    private RealServerMain() {}

    public static void main(String[] args) throws Exception {
        JobsConfig jobs = new JobsConfig(Path.of(args[1]), StoreLocation.sqlite(Path.of(args[0])), 1, 64, 1 << 24,
                new BatcherConfig(512, Duration.ofMillis(2)), Duration.ofMillis(Long.parseLong(args[2])));
        ServerConfig config = new ServerConfig(0, -1, (String) null, null, null, List.of(), "127.0.0.1");
        LpeServer server = Guice.createInjector(new ServerModule(config, jobs), new AbstractModule() {
            @Override
            protected void configure() {
                bind(ModelLoader.class).to(DjlModels.class);
                bind(DistributionResolver.class).to(SpecDistributions.class);
                Multibinder<Estimator> estimators = Multibinder.newSetBinder(binder(), Estimator.class);
                for (String method : List.of("naive", "itgis", "itgis-ce", "qld", "gld")) {
                    estimators.addBinding().toInstance(Estimators.byName(method, false));
                }
                estimators.addBinding().toInstance(new Mhis(8, 64));
                estimators.addBinding().toInstance(new Auto(new Mhis(8, 64)));
                estimators.addBinding().toInstance(new ExactEnumeration());
            }
        }).getInstance(LpeServer.class).start();
        System.out.println("PORT " + server.port());
        System.out.flush();
        server.awaitTermination();
    }
}
