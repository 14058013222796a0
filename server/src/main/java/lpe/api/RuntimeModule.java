package lpe.api;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import lpe.estimate.Estimator;
import lpe.estimate.Estimators;
import lpe.jobs.DistributionResolver;
import lpe.jobs.DjlModels;
import lpe.jobs.ModelLoader;
import lpe.jobs.SpecDistributions;

/** The production model runtime: DJL models, the presets and JSON specs of lpe.dist, every estimator of METHODS.md. */
public final class RuntimeModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(ModelLoader.class).to(DjlModels.class);
        bind(DistributionResolver.class).to(SpecDistributions.class);
        Multibinder<Estimator> estimators = Multibinder.newSetBinder(binder(), Estimator.class);
        for (String method : Estimators.METHODS) {
            estimators.addBinding().toInstance(Estimators.byName(method, false));
        }
    }
}
