package lpe.jobs;

import java.nio.file.Path;
import lpe.engine.DjlEngine;
import lpe.model.Model;
import lpe.model.ModelReader;

/** Loads models with lpe.model's loader and runs them on a {@link DjlEngine} (CPU PyTorch through DJL). */
public final class DjlModels implements ModelLoader {
    @Override
    public ModelHandle load(Path directory) {
        Model model = new ModelReader().read(directory);
        DjlEngine engine = new DjlEngine(model);
        return ModelHandle.of(model, engine, engine::close);
    }
}
