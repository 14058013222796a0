package lpe.cli;

import java.io.PrintWriter;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import lpe.dist.InputDistribution;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.Estimator;
import lpe.estimate.Estimators;
import lpe.estimate.ProgressListener;
import lpe.estimate.Tuning;
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
        description = "Estimate P[behaviour] with naive, itgis, itgis-ce, mhis, qld, gld or auto (docs/methods.md).")
public final class EstimateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ProblemOptions problem;

    @Option(names = "--method", required = true,
            description = "naive | itgis | itgis-ce | mhis | qld | gld | auto (auto: a pilot picks one).")
    String method;

    @Option(names = "--budget", defaultValue = "65536",
            description = "Samples (MHIS: recorded samples; burn-in is extra). Default 2^16 = ${DEFAULT-VALUE}.")
    int budget;

    @Option(names = "--temperature",
            description = "Proposal temperature for itgis/mhis (default: chosen by --temperature-rule).")
    Double temperature;

    @Option(names = "--temperature-rule", description = "How an unset temperature is chosen: adaptive (pilots a grid of"
            + " temperatures on part of the budget; default of itgis-ce and auto) or paper-table (the paper's table;"
            + " default of itgis and mhis).")
    String temperatureRule;

    @Option(names = "--defensive-share", description = "itgis/mhis: alpha, the share of samples drawn from the "
            + "distribution itself, in (0, 1); bounds every weight by 1/alpha. Default 0.1.")
    Double defensiveShare;

    @Option(names = "--pilot-fraction", description = "itgis with the adaptive rule: share of the budget spent on "
            + "pilots, in (0, 0.5]. Default 0.25.")
    Double pilotFraction;

    @Option(names = "--seed", description = "Random seed (default: a fresh one, reported in the result).")
    Long seed;

    @Option(names = "--qld-public-code", description = "QLD as the paper's public code computes it (docs/methods.md).")
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
        var job = JobSpecs.of(problem.model, problem.dist, problem.target, problem.behavior, method, budget,
                temperature, seed);
        if (defensiveShare != null) {
            job.setDefensiveShare(defensiveShare);
        }
        if (pilotFraction != null) {
            job.setPilotFraction(pilotFraction);
        }
        if (temperatureRule != null) {
            job.setTemperatureRule(temperatureRule);
        }
        return job.build();
    }

    /** The method's estimate on the engine the options choose. */
    Result runInProcess(long s) {
        Estimator estimator = estimator();
        Tuning tuning = tuning();
        var behavior = problem.behavior(spec);
        double t = temperature == null ? Double.NaN : temperature;
        try (ModelHandle model = engines.open(LocalModels.resolve(problem.model))) {
            InputDistribution d = problem.distribution(model.vocabulary(), spec);
            TargetToken target = problem.target(model.vocabulary(), spec);
            Estimate e = estimator.run(new EstimationProblem(d, target.id(), behavior, budget, t, s, tuning),
                    model.engine(),
                    progress());
            return new Result(target, e);
        } catch (IllegalArgumentException ex) {
            throw new ParameterException(spec.commandLine(), ex.getMessage(), ex);
        }
    }

    /** An estimate and the target it is for. */
    record Result(TargetToken target, Estimate estimate) {}

    /** The tuning options, each checked and named when out of range. */
    private Tuning tuning() {
        String share = defensiveShare == null ? null : Tuning.defensiveShareProblem(defensiveShare);
        if (share != null) {
            throw new ParameterException(spec.commandLine(), "--defensive-share: " + share);
        }
        String pilots = pilotFraction == null ? null : Tuning.pilotFractionProblem(pilotFraction);
        if (pilots != null) {
            throw new ParameterException(spec.commandLine(), "--pilot-fraction: " + pilots);
        }
        Tuning.Rule rule;
        try {
            rule = Tuning.Rule.parse(temperatureRule);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--temperature-rule: " + e.getMessage(), e);
        }
        return new Tuning(defensiveShare != null ? defensiveShare : Tuning.DEFAULT_DEFENSIVE_SHARE,
                pilotFraction != null ? pilotFraction : Tuning.DEFAULT_PILOT_FRACTION, rule);
    }

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
        lpe.v1.Estimate e = JobJson.toProto(r.estimate(), r.target());
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? JobJson.estimate(e).toString() : EstimateTable.format(e));
        out.flush();
    }
}
