package lpe.cli;

import com.google.gson.JsonObject;
import java.util.concurrent.Callable;
import lpe.dist.InputDistribution;
import lpe.estimate.Behavior;
import lpe.estimate.Estimate;
import lpe.estimate.EstimationProblem;
import lpe.estimate.ExactEnumeration;
import lpe.estimate.ProgressListener;
import lpe.jobs.ModelHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lpe exact}: the exact probability, by running every input of the distribution (at most 2^22 of them) on the
 * engine of {@link EngineOptions}.
 */
@Command(name = "exact", mixinStandardHelpOptions = true,
        description = "Exact probability by enumerating every input (refused above 2^22 = 4,194,304 inputs).")
public final class ExactCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ProblemOptions problem;

    @Option(names = "--json", description = "Print one JSON object as the last line of stdout.")
    boolean json;

    @Mixin
    EngineOptions engines;

    @Mixin
    ServerOptions server;

    @Option(names = "--detach", description = "With --server: submit the job, print {\"id\": ..} and return.")
    boolean detach;

    @Override
    public Integer call() {
        if (server.remote()) {
            engines.refuseWithServer(spec);
            // the server runs exact enumeration as the estimator named "exact"; it ignores budget and seed
            if (problem.corpus != null) {
                throw new ParameterException(spec.commandLine(), "--corpus: not available with --server (the server"
                        + " never reads client files)");
            }
            var job = JobSpecs.of(problem.model, problem.dist, problem.target, problem.behavior, "exact", 1, null, null);
            return new ServerJob(server, spec.commandLine().getOut()).run(job.build(), detach, done -> {
                var e = done.getResult().getEstimates(0);
                print(e.getEstimate(), e.getSamples(), e.getSeconds());
            });
        }
        if (detach) {
            throw new ParameterException(spec.commandLine(), "--detach: only with --server");
        }
        Behavior behavior = problem.behavior(spec);
        Estimate e;
        try (ModelHandle model = engines.open(LocalModels.resolve(problem.model))) {
            InputDistribution d = problem.distribution(model.vocabulary(), spec);
            TargetToken target = problem.target(model.vocabulary(), spec);
            e = new ExactEnumeration().run(new EstimationProblem(d, target.id(), behavior, 1, Double.NaN, 0),
                    model.engine(), ProgressListener.NONE);
        } catch (IllegalArgumentException ex) {
            throw new ParameterException(spec.commandLine(), "--dist: " + ex.getMessage(), ex);
        }
        print(e.estimate(), e.samples(), e.seconds());
        return 0;
    }

    private void print(double probability, long inputs, double seconds) {
        var out = spec.commandLine().getOut();
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("probability", probability);
            o.addProperty("inputs", inputs);
            o.addProperty("seconds", seconds);
            out.println(o);
        } else {
            out.printf("probability %.6e  (%d inputs, %.2f s)%n", probability, inputs, seconds);
        }
        out.flush();
    }
}
