package lpe.cli;

import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lpe cancel ID --server HOST:PORT}: cancels a server job. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a server job.")
public final class CancelCommand implements Callable<Integer> {

    @Parameters(paramLabel = "ID", description = "The job id (or jobs/ID).")
    String id;

    @Mixin
    ServerOptions server;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (var client = server.connect()) {
            var job = client.cancel(id);
            spec.commandLine().getOut().println("job " + job.getId() + " " + JobJson.state(job.getState()));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (StatusRuntimeException e) {
            throw server.explain(e, "cancelling job " + id);
        }
    }
}
