package lpe.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import lpe.batching.FakeEngine;
import lpe.engine.Engine;
import lpe.engine.NativeOutOfMemoryException;
import lpe.model.Vocabulary;

/**
 * Loads every model directory as a {@link FakeEngine} with vocabulary 32 and width 4 (sleeping per batch), except
 * one named {@value #TOO_LARGE}, which fails as the native engine does when a model does not fit on the device. A
 * model named in {@link #loadGates} loads only once its latch is released, like a large model that takes long.
 */
public final class FakeModels implements ModelLoader {
    public static final int VOCABULARY = 32;
    public static final String TOO_LARGE = "too-large";
    private final long sleepMillisPerBatch;
    public final AtomicInteger loads = new AtomicInteger();
    public volatile FakeEngine lastEngine;
    public final Map<String, CountDownLatch> loadGates = new ConcurrentHashMap<>();

    public FakeModels(long sleepMillisPerBatch) {
        this.sleepMillisPerBatch = sleepMillisPerBatch;
    }

    /** A model root holding the given (empty) model directories. */
    public static Path root(Path dir, String... names) throws Exception {
        for (String name : names) {
            Files.createDirectories(dir.resolve(name));
            Files.writeString(dir.resolve(name).resolve("config.json"), "{}");
        }
        return dir;
    }

    @Override
    public ModelHandle load(Path directory) {
        loads.incrementAndGet();
        CountDownLatch gate = loadGates.get(directory.getFileName().toString());
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading " + directory, e);
            }
        }
        if (directory.getFileName().toString().equals(TOO_LARGE)) {
            throw new NativeOutOfMemoryException("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 139.81 GiB"
                    + " total capacity; 131.02 GiB already allocated)");
        }
        FakeEngine engine = new FakeEngine(VOCABULARY, 4, sleepMillisPerBatch);
        lastEngine = engine;
        Vocabulary vocabulary = new FakeVocabulary(VOCABULARY);
        return new ModelHandle() {
            @Override
            public Engine engine() {
                return engine;
            }

            @Override
            public Vocabulary vocabulary() {
                return vocabulary;
            }

            @Override
            public String architecture() {
                return "fake";
            }

            @Override
            public void close() {}
        };
    }
}
