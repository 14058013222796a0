package lpe.jobs;

import lpe.engine.Engine;
import lpe.model.Vocabulary;

/** A model loaded onto a device: its engine, its vocabulary, and its architecture name (llama, gpt2, gpt_neox). */
public interface ModelHandle extends AutoCloseable {
    Engine engine();

    Vocabulary vocabulary();

    String architecture();

    /** Frees the device memory. */
    @Override
    void close();
}
