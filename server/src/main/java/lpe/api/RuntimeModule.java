package lpe.api;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import lpe.estimate.Estimator;
import lpe.estimate.Estimators;
import lpe.estimate.ExactEnumeration;
import lpe.jobs.DistributionResolver;
import lpe.jobs.DjlModels;
import lpe.jobs.ModelLoader;
import lpe.jobs.SpecDistributions;

/**
 * The production model runtime: DJL models (or, given one, another loader such as lpe.jobs.NativeModels), the presets
 * and JSON specs of lpe.dist, every estimator of docs/methods.md.
 */
public final class RuntimeModule extends AbstractModule {
    private final ModelLoader models;

    public RuntimeModule() {
        this(null);
    }

    /** The runtime with this model loader (null: DJL on the CPU). */
    public RuntimeModule(ModelLoader models) {
        this.models = models;
    }

    @Override
    protected void configure() {
        if (models == null) {
            bind(ModelLoader.class).to(DjlModels.class);
        } else {
            bind(ModelLoader.class).toInstance(models);
        }
        bind(DistributionResolver.class).to(SpecDistributions.class);
        Multibinder<Estimator> estimators = Multibinder.newSetBinder(binder(), Estimator.class);
        for (String method : Estimators.METHODS) {
            estimators.addBinding().toInstance(Estimators.byName(method, false));
        }
        // exact enumeration too (method "exact"), so that `lpe exact --server` runs on the server
        estimators.addBinding().toInstance(new ExactEnumeration());
    }
}
