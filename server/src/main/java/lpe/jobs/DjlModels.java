package lpe.jobs;

import java.nio.file.Path;
import java.util.Locale;
import lpe.engine.DjlEngine;
import lpe.engine.Engine;
import lpe.model.Model;
import lpe.model.Vocabulary;

/** Loads models with lpe.model's loader and runs them on a {@link DjlEngine} (CPU PyTorch through DJL). */
public final class DjlModels implements ModelLoader {
    @Override
    public ModelHandle load(Path directory) {
        Model model = new lpe.model.ModelLoader().load(directory);
        DjlEngine engine = new DjlEngine(model);
        return new ModelHandle() {
            @Override
            public Engine engine() {
                return engine;
            }

            @Override
            public Vocabulary vocabulary() {
                return model.vocabulary();
            }

            @Override
            public String architecture() {
                return model.config().architecture().name().toLowerCase(Locale.ROOT);
            }

            @Override
            public void close() {
                engine.close();
            }
        };
    }
}
