package lpe.bench;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code lpe bench}: the benchmarks and the paper's evaluation, an entry point of their own (./lpe runs this class for
 * {@code lpe bench ...}); timings live here, never in tests. A failure the user can act on (an
 * IllegalArgumentException naming the field) is one line on stderr and exit code 1; anything else is reported as an
 * internal error, with its stack trace under {@code --verbose}.
 */
@Command(name = "lpe bench", mixinStandardHelpOptions = true, description = "Benchmarks and the paper's evaluation.",
        subcommands = {EngineBench.class, EstimatorBench.class, ServerBench.class, PaperBench.class})
public final class Bench implements Runnable {

    static final int EXIT_FAILED = 1;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with one-line error reporting; with {@code verbose}, stack traces too. */
    static CommandLine commandLine(boolean verbose) {
        return new CommandLine(new Bench()).setExecutionExceptionHandler(new OneLine(verbose));
    }

    /** {@code --verbose} anywhere on the line asks for stack traces. */
    public static void main(String[] args) {
        List<String> all = List.of(args);
        String[] rest = all.stream().filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        System.exit(commandLine(all.contains("--verbose")).execute(rest));
    }

    private record OneLine(boolean verbose) implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
            PrintWriter err = command.getErr();
            String message = e instanceof IllegalArgumentException ? e.getMessage()
                    : "internal error: " + e + (verbose ? "" : " (run with --verbose for the stack trace)");
            err.println("lpe bench " + command.getCommandName() + ": " + message);
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILED;
        }
    }
}
