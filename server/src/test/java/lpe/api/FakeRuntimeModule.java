package lpe.api;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import lpe.estimate.Estimator;
import lpe.jobs.DistributionResolver;
import lpe.jobs.FakeDistributions;
import lpe.jobs.FakeModels;
import lpe.jobs.ModelLoader;
import lpe.jobs.NaiveForTests;

/** The model runtime replaced by fakes: FakeEngine models, the uniform3 preset, the test naive estimator. */
public final class FakeRuntimeModule extends AbstractModule {
    private final FakeModels loader;

    public FakeRuntimeModule(FakeModels loader) {
        this.loader = loader;
    }

    @Override
    protected void configure() {
        bind(ModelLoader.class).toInstance(loader);
        bind(DistributionResolver.class).to(FakeDistributions.class);
        Multibinder.newSetBinder(binder(), Estimator.class).addBinding().to(NaiveForTests.class);
    }
}
