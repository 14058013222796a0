package lpe.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into one line on stderr ("lpe: ...") and exit code 1; the stack trace only with --verbose.
 * Errors the user can act on arrive as {@link UserError}, or as the IllegalArgumentException with which the server's
 * libraries refuse bad input (a model directory, a spec, a budget: the message names the field); anything else is a
 * bug, reported as such.
 */
final class OneLineErrors implements IExecutionExceptionHandler {

    static final int EXIT_FAILED = 1;

    private final boolean verbose;

    OneLineErrors(List<String> args) {
        this.verbose = args.contains("--verbose");
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        String message = e instanceof UserError || e instanceof IllegalArgumentException ? e.getMessage()
                : "internal error: " + e + (verbose ? "" : " (run with --verbose for the stack trace)");
        err.println("lpe " + command.getCommandName() + ": " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILED;
    }
}
