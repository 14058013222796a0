package lpe.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import lpe.v1.Job;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code lpe jobs --server HOST:PORT [--json]}: the server's jobs, newest first. */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "List the jobs of an lpe server, newest first.")
public final class JobsCommand implements Callable<Integer> {

    @Mixin
    ServerOptions server;

    @Option(names = "--json", description = "Print {\"jobs\": [..]} as one JSON line.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<Job> jobs;
        try (var client = server.connect()) {
            jobs = client.listAll();
        } catch (StatusRuntimeException e) {
            throw server.explain(e, "listing jobs");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            var list = new JsonArray();
            jobs.forEach(j -> list.add(JobJson.job(j)));
            var o = new JsonObject();
            o.add("jobs", list);
            out.println(o);
        } else {
            out.println(String.format(Locale.ROOT, "%-18s %-11s %-7s %-21s %-12s %s", "ID", "STATE", "METHOD",
                    "SAMPLES", "ESTIMATE", "REASON"));
            for (Job j : jobs) {
                String estimate = j.hasResult() && j.getResult().getEstimatesCount() > 0
                        ? String.format(Locale.ROOT, "%.3e", j.getResult().getEstimates(0).getEstimate()) : "-";
                String samples = j.getProgress().getSamplesDone() + "/" + j.getProgress().getBudget();
                out.println(String.format(Locale.ROOT, "%-18s %-11s %-7s %-21s %-12s %s", j.getId(),
                        JobJson.state(j.getState()), j.getSpec().getMethod(), samples, estimate, j.getReason()));
            }
        }
        out.flush();
        return 0;
    }
}
