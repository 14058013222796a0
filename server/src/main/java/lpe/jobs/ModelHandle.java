package lpe.jobs;

import java.util.Locale;
import lpe.engine.Engine;
import lpe.model.Model;
import lpe.model.Vocabulary;

/** A model loaded onto a device: its engine, its vocabulary, and its architecture name (llama, gpt2, gpt_neox). */
public interface ModelHandle extends AutoCloseable {
    Engine engine();

    Vocabulary vocabulary();

    String architecture();

    /** Frees the device memory. */
    @Override
    void close();

    /** The handle of a loaded model running on an engine; {@code close} frees that engine. */
    static ModelHandle of(Model model, Engine engine, Runnable close) {
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
                close.run();
            }
        };
    }
}
