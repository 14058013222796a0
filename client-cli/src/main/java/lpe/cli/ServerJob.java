package lpe.cli;

import com.google.gson.JsonObject;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.UUID;
import java.util.function.Consumer;
import lpe.client.LpeClient;
import lpe.v1.Job;
import lpe.v1.JobSpec;

/**
 * Runs a computing command on a server: submits the job (with a fresh request_id, so a retried submit cannot start a
 * second job), then either returns at once ({@code --detach}) or follows it with a progress bar to its result.
 */
final class ServerJob {

    private final ServerOptions server;
    private final PrintWriter out;

    ServerJob(ServerOptions server, PrintWriter out) {
        this.server = server;
        this.out = out;
    }

    /** {@code lpe estimate --server}: submits, then prints {"id": ..} with {@code detach}, else the estimate(s). */
    int run(JobSpec spec, boolean json, boolean detach) {
        return run(spec, detach, job -> printEstimates(job, json));
    }

    /**
     * Submits {@code spec}; with {@code detach} prints {"id": ..} (JSON either way) and returns, else follows the job
     * and hands the succeeded job to {@code print}. A job that fails or is cancelled is a {@link UserError}.
     */
    int run(JobSpec spec, boolean detach, Consumer<Job> print) {
        try (LpeClient client = server.connect()) {
            Job job;
            try {
                job = client.submit(spec, UUID.randomUUID().toString());
            } catch (StatusRuntimeException e) {
                throw server.explain(e, "submitting the job");
            }
            if (detach) {
                var id = new JsonObject();
                id.addProperty("id", job.getId());
                out.println(id);
                out.flush();
                return 0;
            }
            print.accept(follow(client, job.getId()));
            out.flush();
            return 0;
        }
    }

    /** Watches job {@code id} with a progress bar on a terminal; returns it once succeeded, else a {@link UserError}. */
    Job follow(LpeClient client, String id) {
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
        if (last.getState() != Job.State.SUCCEEDED) {
            String why = !last.getReason().isEmpty() ? last.getReason()
                    : last.hasError() ? last.getError().getMessage() : "no reason given";
            throw new UserError("job " + last.getId() + " " + JobJson.state(last.getState()) + ": " + why);
        }
        return last;
    }

    /** The estimates as {@code lpe estimate} prints them: one JSON object (one target) or tables. */
    void printEstimates(Job job, boolean json) {
        var estimates = job.getResult().getEstimatesList();
        if (json) {
            out.println(estimates.size() == 1 ? JobJson.estimate(estimates.getFirst()) : JobJson.job(job).get("result"));
        } else {
            estimates.forEach(e -> out.println(EstimateTable.format(e) + "\n"));
        }
        out.flush();
    }
}
