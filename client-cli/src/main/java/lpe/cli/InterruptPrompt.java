package lpe.cli;

import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import lpe.client.LpeClient;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while a server job is watched on a terminal: asks whether to cancel the job on the server or leave it
 * running, does that, and exits with 130. Installed only on a terminal; elsewhere Ctrl-C just ends the CLI and the job
 * goes on (it can be followed with {@code lpe watch}).
 */
final class InterruptPrompt implements AutoCloseable {

    static final int EXIT_INTERRUPTED = 130;
    private static final Signal INT = new Signal("INT");

    /** The handler to restore on close; null when the prompt was not installed. */
    private final SignalHandler previous;

    private InterruptPrompt(SignalHandler previous) {
        this.previous = previous;
    }

    /** Installs the prompt if stdin and stderr are a terminal; {@code beforePrompt} runs first (stops the bar). */
    static InterruptPrompt installOnTerminal(LpeClient client, String jobId, String server, Runnable beforePrompt) {
        if (!Terminal.stdin() || !Terminal.stderr()) {
            return new InterruptPrompt(null);
        }
        var reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        SignalHandler handler = signal -> {
            beforePrompt.run();
            System.exit(ask(reader, System.err, client, jobId, server));
        };
        return new InterruptPrompt(Signal.handle(INT, handler));
    }

    /** Asks on {@code err}, reads the answer from {@code in}; cancels the job on "y"/"yes". Returns the exit code. */
    static int ask(BufferedReader in, PrintStream err, LpeClient client, String jobId, String server) {
        err.print("\nStop watching job " + jobId + ". Cancel it on the server too? [y/N] ");
        err.flush();
        String answer;
        try {
            answer = in.readLine();
        } catch (IOException e) {
            answer = null;
        }
        if (answer != null && answer.trim().toLowerCase(Locale.ROOT).matches("y|yes")) {
            try {
                client.cancel(jobId);
                err.println("cancelled job " + jobId);
            } catch (StatusRuntimeException e) {
                err.println("could not cancel job " + jobId + ": " + e.getStatus().getCode() + ": "
                        + e.getStatus().getDescription());
                return OneLineErrors.EXIT_FAILED;
            }
        } else {
            err.println("job " + jobId + " keeps running; follow it with: lpe watch " + jobId + " --server " + server);
        }
        err.flush();
        return EXIT_INTERRUPTED;
    }

    @Override
    public void close() {
        if (previous != null) {
            Signal.handle(INT, previous);
        }
    }
}
