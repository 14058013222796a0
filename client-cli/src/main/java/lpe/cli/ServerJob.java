package lpe.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.UUID;
import lpe.client.LpeClient;
import lpe.v1.Job;
import lpe.v1.JobSpec;

/**
 * Runs a computing command on a server: submits the job (with a fresh request_id, so a retried submit cannot start a
 * second job), then either returns at once ({@code --detach}) or follows it with a progress bar and prints the result.
 */
final class ServerJob {

    private final ServerOptions server;
    private final PrintWriter out;

    ServerJob(ServerOptions server, PrintWriter out) {
        this.server = server;
        this.out = out;
    }

    /** Submits {@code spec}; with {@code detach} prints {"id": ..} (JSON either way), else follows the job to its end. */
    int run(JobSpec spec, boolean json, boolean detach) {
        try (LpeClient client = server.connect()) {
            Job job;
            try {
                job = client.submit(spec, UUID.randomUUID().toString());
            } catch (StatusRuntimeException e) {
                throw server.explain(e, "submitting the job");
            }
            if (detach) {
                var id = new com.google.gson.JsonObject();
                id.addProperty("id", job.getId());
                out.println(id);
                out.flush();
                return 0;
            }
            return follow(client, job.getId(), json);
        }
    }

    /** Watches job {@code id} with a progress bar on a terminal, then prints its result; non-zero unless it succeeded. */
    int follow(LpeClient client, String id, boolean json) {
        var bar = ProgressBar.onTerminal();
        Job last = null;
        try (var watch = client.watch(id);
                var prompt = InterruptPrompt.installOnTerminal(client, id, server.server(), bar::stop)) {
            while (watch.hasNext()) {
                last = watch.next();
                bar.update(last.getProgress());
            }
        } catch (StatusRuntimeException e) {
            bar.finish();
            var code = e.getStatus().getCode();
            if ((code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED) && last != null) {
                // a server shutting down resets its streams (CANCELLED); one that dies drops them (UNAVAILABLE)
                throw new UserError("lost the connection to the server at " + server.server() + " while watching job "
                        + id + " (" + e.getStatus().getDescription() + "); the job may still be running: lpe watch "
                        + id + " --server " + server.server(), e);
            }
            throw server.explain(e, "watching job " + id);
        }
        bar.finish();
        if (last == null || !last.getDone()) {
            throw new UserError("the server ended the watch of job " + id + " before the job finished; follow it with: "
                    + "lpe watch " + id + " --server " + server.server());
        }
        return print(last, json);
    }

    private int print(Job job, boolean json) {
        if (job.getState() != Job.State.SUCCEEDED) {
            String why = !job.getReason().isEmpty() ? job.getReason()
                    : job.hasError() ? job.getError().getMessage() : "no reason given";
            throw new UserError("job " + job.getId() + " " + JobJson.state(job.getState()) + ": " + why);
        }
        var estimates = job.getResult().getEstimatesList();
        if (json) {
            out.println(estimates.size() == 1 ? JobJson.estimate(estimates.getFirst()) : JobJson.job(job).get("result"));
        } else {
            estimates.forEach(e -> out.println(EstimateTable.format(e) + "\n"));
        }
        out.flush();
        return 0;
    }
}
