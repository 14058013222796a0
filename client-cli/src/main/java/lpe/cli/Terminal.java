package lpe.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether stdin or stderr is a terminal. {@code System.console()} only answers for stdin and stdout together, but the
 * progress bar belongs on a terminal's stderr also when stdout is piped ({@code lpe estimate --json | tail -n 1}), so
 * on Linux this reads where the file descriptor points; elsewhere it falls back to the console.
 */
final class Terminal {

    private Terminal() {}

    static boolean stdin() {
        return isTerminal(0);
    }

    static boolean stderr() {
        return isTerminal(2);
    }

    private static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            var console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
