package lpe.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code lpe} command: every subcommand of the command-line contract (docs/api.md#command-line-contract). */
@Command(
        name = "lpe",
        mixinStandardHelpOptions = true,
        description = "Estimate the probability that a language model produces a rare output.",
        footer = "%nlpe bench: benchmarks and the paper's evaluation (the bench module; ./lpe bench --help).",
        subcommands = {
            // one line per subcommand; keep the order of the command-line contract (docs/api.md#command-line-contract)
            DemoCommand.class,
            GenerateCommand.class,
            LogitsCommand.class,
            DistsCommand.class,
            ExactCommand.class,
            EstimateCommand.class,
            GroundTruthCommand.class,
            ServeCommand.class,
            JobsCommand.class,
            WatchCommand.class,
            CancelCommand.class,
            ReportCommand.class,
        })
public final class Lpe implements Runnable {

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show stack traces of failures.")
    boolean verbose;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The command line with one-line error reporting (stack traces only with --verbose). */
    static CommandLine commandLine(String... args) {
        return new CommandLine(new Lpe()).setExecutionExceptionHandler(new OneLineErrors(List.of(args)));
    }

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }
}
