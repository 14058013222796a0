package lpe.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Makes a file or directory read-only for this process: without write permission, and, where that is not enough
 * (root ignores permissions; CI runs as root), immutable with {@code chattr +i}. Fails if neither works, so a test
 * never passes on a file that was writable after all.
 */
final class ReadOnlyFiles {
    private ReadOnlyFiles() {}

    static Path make(Path path) throws IOException, InterruptedException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "r-xr-xr-x" : "r--r--r--"));
        if (Files.isWritable(path)) {
            chattr("+i", path);
        }
        if (Files.isWritable(path)) {
            throw new IllegalStateException(path + " stays writable for this user (chattr +i did not help)");
        }
        return path;
    }

    static void undo(Path path) {
        try {
            chattr("-i", path);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot make " + path + " writable again: " + e.getMessage(), e);
        }
    }

    private static void chattr(String flag, Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(10, TimeUnit.SECONDS);
    }
}
