package lpe.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lpe watch ID --server HOST:PORT [--json]}: follows a server job to its end and prints its result. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Follow a server job (progress bar on a terminal) and print its result.")
public final class WatchCommand implements Callable<Integer> {

    @Parameters(paramLabel = "ID", description = "The job id (or jobs/ID).")
    String id;

    @Mixin
    ServerOptions server;

    @Option(names = "--json", description = "Print the result as one JSON line (the fields of lpe estimate --json).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var job = new ServerJob(server, spec.commandLine().getOut());
        try (var client = server.connect()) {
            job.printEstimates(job.follow(client, id), json);
            return 0;
        }
    }
}
