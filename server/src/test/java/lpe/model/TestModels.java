package lpe.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the test models are: ../shared (found by walking up from the working directory, or -Dlpe.shared). */
public final class TestModels {

    private TestModels() {}

    public static Path shared() {
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
                + "; set -Dlpe.shared=/path/to/shared");
    }

    public static Path stories260K() {
        return shared().resolve("models/stories260K");
    }

    /** A fixture made by tools/fixtures/make_fixtures.py. */
    public static Path fixture(String name) {
        return Path.of("src/test/resources/fixtures").resolve(name).toAbsolutePath();
    }
}
