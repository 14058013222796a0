package lpe.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds ../shared beside the repository for the bench tests: {@code -Dlpe.shared=DIR}, else by walking up. */
final class Shared {
    private Shared() {}

    static Path dir() {
        String property = System.getProperty("lpe.shared");
        if (property != null) {
            return Path.of(property);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("shared/models/stories260K"))) {
                return dir.resolve("shared");
            }
        }
        throw new IllegalStateException("cannot find shared/models/stories260K above " + Path.of("").toAbsolutePath()
                + " (set -Dlpe.shared)");
    }

    static Path stories260K() {
        return dir().resolve("models/stories260K");
    }
}
