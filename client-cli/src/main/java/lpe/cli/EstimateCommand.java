package lpe.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import lpe.dist.InputDistribution;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimator;
import lpe.estimate.Estimators;
import lpe.estimate.ProgressListener;
import lpe.jobs.ModelHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lpe estimate}: one method's estimate with its uncertainty and cost. In-process by default, on the engine of
 * {@link EngineOptions}; {@link #runInProcess} is the whole local path, so that a {@code --server} path can branch
 * around it. The same seed on the same engine gives the same estimate in-process and through a server: both run the
 * same estimator with the same seed, and the server's batcher only regroups the rows (docs/ground-truth.md).
 */
@Command(name = "estimate", mixinStandardHelpOptions = true,
        description = "Estimate P[behaviour] with naive, itgis, mhis, qld or gld (METHODS.md §3).")
public final class EstimateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ProblemOptions problem;

    @Option(names = "--method", required = true, description = "naive | itgis | mhis | qld | gld.")
    String method;

    @Option(names = "--budget", defaultValue = "65536",
            description = "Samples (MHIS: recorded samples; burn-in is extra). Default 2^16 = ${DEFAULT-VALUE}.")
    int budget;

    @Option(names = "--temperature",
            description = "Proposal temperature for itgis/mhis (default: the rule in lpe.estimate.TemperatureRule).")
    Double temperature;

    @Option(names = "--seed", description = "Random seed (default: a fresh one, reported in the result).")
    Long seed;

    @Option(names = "--qld-public-code", description = "QLD as the paper's public code computes it (METHODS.md §3.7).")
    boolean qldPublicCode;

    @Mixin
    EngineOptions engines;

    @Mixin
    ServerOptions server;

    @Option(names = "--detach", description = "With --server: submit the job, print {\"id\": ..} and return.")
    boolean detach;

    @Option(names = "--json", description = "Print one JSON object as the last line of stdout.")
    boolean json;

    @Override
    public Integer call() {
        if (server.remote()) {
            engines.refuseWithServer(spec);
            return new ServerJob(server, spec.commandLine().getOut()).run(jobSpec(), json, detach);
        }
        if (detach) {
            throw new ParameterException(spec.commandLine(), "--detach: only with --server (an in-process run has no"
                    + " job to leave running)");
        }
        long s = seed != null ? seed : new SplittableRandom().nextLong() >>> 1;
        Result result = runInProcess(s);
        print(result);
        return 0;
    }

    /** The job a server runs for these options; the options only an in-process run has are refused. */
    private lpe.v1.JobSpec jobSpec() {
        if (problem.corpus != null) {
            throw new ParameterException(spec.commandLine(), "--corpus: not available with --server (the server"
                    + " never reads client files); use a preset without corpus weights, or a JSON spec");
        }
        if (qldPublicCode) {
            throw new ParameterException(spec.commandLine(), "--qld-public-code: not available with --server");
        }
        return JobSpecs.of(problem.model, problem.dist, problem.target, problem.behavior, method, budget, temperature,
                seed).build();
    }

    /** The method's estimate on the engine the options choose. */
    Result runInProcess(long s) {
        Estimator estimator = estimator();
        var behavior = problem.behavior(spec);
        double t = temperature == null ? Double.NaN : temperature;
        try (ModelHandle model = engines.open(LocalModels.resolve(problem.model))) {
            InputDistribution d = problem.distribution(model.vocabulary(), spec);
            TargetToken target = problem.target(model.vocabulary(), spec);
            Estimate e = estimator.run(new EstimationProblem(d, target.id(), behavior, budget, t, s), model.engine(),
                    progress());
            return new Result(target, e);
        } catch (IllegalArgumentException ex) {
            throw new ParameterException(spec.commandLine(), ex.getMessage(), ex);
        }
    }

    /** An estimate and the target it is for. */
    record Result(TargetToken target, Estimate estimate) {}

    private Estimator estimator() {
        try {
            return Estimators.byName(method, qldPublicCode);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--method: " + e.getMessage(), e);
        }
    }

    /** On a terminal, the progress bar on stderr (samples, estimate, interval, rate); otherwise nothing. */
    private ProgressListener progress() {
        return ProgressBar.inProcess();
    }

    private void print(Result r) {
        Estimate e = r.estimate();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(r));
        } else {
            out.printf(Locale.ROOT, "method    %s%ntarget    %s (id %d)%nestimate  %.4e  (std error %.2e)%n"
                            + "95%% CI    [%.4e, %.4e]%nESS       %.1f%ncost      %,d forward + %,d backward passes, %.2f s%n"
                            + "seed      %d%n",
                    e.method(), r.target().token(), r.target().id(), e.estimate(), e.stdError(), e.ci95Low(),
                    e.ci95High(), e.ess(), e.forwardPasses(), e.backwardPasses(), e.seconds(), e.seed());
        }
        out.flush();
    }

    /** DESIGN.md's JSON: method, target {id, token}, estimate, std_error, ci95, ess, passes, seconds, seed. */
    static JsonObject toJson(Result r) {
        Estimate e = r.estimate();
        JsonObject o = new JsonObject();
        o.addProperty("method", e.method());
        JsonObject target = new JsonObject();
        target.addProperty("id", r.target().id());
        target.addProperty("token", r.target().token());
        o.add("target", target);
        o.addProperty("estimate", e.estimate());
        o.addProperty("std_error", e.stdError());
        JsonArray ci = new JsonArray();
        ci.add(e.ci95Low());
        ci.add(e.ci95High());
        o.add("ci95", ci);
        o.addProperty("ess", e.ess());
        o.addProperty("forward_passes", e.forwardPasses());
        o.addProperty("backward_passes", e.backwardPasses());
        o.addProperty("seconds", e.seconds());
        o.addProperty("seed", e.seed());
        return o;
    }
}
