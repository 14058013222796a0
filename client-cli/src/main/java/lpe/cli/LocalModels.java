package lpe.cli;

import java.nio.file.Path;
import lpe.model.Model;
import lpe.model.ModelReader;
import lpe.model.ModelLocator;

/** Loads the model a {@code --model} argument names: a directory, or a Hugging Face repo id (cached or downloaded). */
final class LocalModels {

    private LocalModels() {}

    static Model load(String model) {
        return new ModelReader().read(resolve(model));
    }

    /** The model directory a {@code --model} argument names (a repo id is downloaded first if not cached). */
    static Path resolve(String model) {
        ModelLocator locator = ModelLocator.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
        return locator.resolve(model);
    }
}
