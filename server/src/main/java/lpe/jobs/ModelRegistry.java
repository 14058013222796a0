package lpe.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lpe.batching.Batcher;
import lpe.engine.NativeOutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models under the configured model root and the ones held warm. A model is named by its directory name under
 * the root; anything else (a path, "..", a name that is not a directory there) is refused, so clients can never make
 * the server read outside the root.
 */
@Singleton
public final class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path root;
    private final ModelLoader loader;
    private final JobsConfig config;
    private final MeterRegistry meters;
    private final Map<String, LoadedModel> loaded = new HashMap<>();
    private final Map<String, CompletableFuture<LoadedModel>> loading = new HashMap<>();
    private final Map<String, Integer> jobsUsing = new HashMap<>();
    private boolean closed;

    @Inject
    public ModelRegistry(JobsConfig config, ModelLoader loader, MeterRegistry meters) {
        this.root = config.modelRoot().toAbsolutePath().normalize();
        this.loader = loader;
        this.config = config;
        this.meters = meters;
    }

    /** Every model directory under the root (one holding a config.json), loaded or not, by name. */
    public synchronized List<ModelInfo> list() {
        List<ModelInfo> models = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (Files.isRegularFile(dir.resolve("config.json")) && NAME.matcher(name).matches()) {
                    models.add(info(name));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the model root " + root + ": " + e.getMessage(), e);
        }
        return models;
    }

    public synchronized ModelInfo info(String name) {
        LoadedModel m = loaded.get(name);
        return m == null
                ? new ModelInfo(name, false, null, null)
                : new ModelInfo(name, true, m.handle().architecture(), m.handle().engine().shape());
    }

    /**
     * Loads the model if it is not loaded yet. The load itself runs outside this registry's lock: listing, other
     * models and their jobs go on meanwhile, and concurrent calls for the same model wait for one load.
     */
    public LoadedModel load(String name) {
        CompletableFuture<LoadedModel> load;
        Path dir;
        boolean mine;
        synchronized (this) {
            LoadedModel m = loaded.get(name);
            if (m != null) {
                return m;
            }
            dir = directory(name);
            load = loading.get(name);
            mine = load == null;
            if (mine) {
                load = new CompletableFuture<>();
                loading.put(name, load);
            }
        }
        if (mine) {
            try {
                LoadedModel m = open(name, dir);
                synchronized (this) {
                    loading.remove(name);
                    if (closed) {
                        m.batcher().close();
                        m.handle().close();
                        throw new IllegalStateException("the server is shutting down; model '" + name + "' unloaded");
                    }
                    loaded.put(name, m);
                }
                load.complete(m);
            } catch (RuntimeException | Error e) { // an Error too: the callers waiting for this load must not hang
                synchronized (this) {
                    loading.remove(name);
                }
                load.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return load.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private LoadedModel open(String name, Path dir) {
        long start = System.nanoTime();
        ModelHandle handle;
        try {
            handle = loader.load(dir);
        } catch (NativeOutOfMemoryException e) { // RESOURCE_EXHAUSTED: it may fit once other models are unloaded
            throw new NativeOutOfMemoryException("model '" + name + "' does not fit in the device's free memory: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            throw new PreconditionException("model '" + name + "' could not be loaded: " + e.getMessage());
        }
        LoadedModel m = new LoadedModel(name, handle, new Batcher(name, handle.engine(), config.batcher(), meters));
        log.info("model={} loaded architecture={} seconds={}", name, handle.architecture(),
                String.format("%.2f", (System.nanoTime() - start) / 1e9));
        return m;
    }

    /** Unloads the model; refused while jobs on it are queued or running. */
    public synchronized void unload(String name) {
        directory(name);
        LoadedModel m = loaded.get(name);
        if (m == null) {
            throw new PreconditionException("model '" + name + "' is not loaded");
        }
        int users = jobsUsing.getOrDefault(name, 0);
        if (users > 0) {
            throw new PreconditionException(
                    "model '" + name + "' has " + users + " queued or running jobs; cancel them or wait, then unload");
        }
        loaded.remove(name);
        m.batcher().close();
        m.handle().close();
        log.info("model={} unloaded", name);
    }

    /** The loaded model for a job (loading it if needed), counted as in use until {@link #release}. */
    public LoadedModel acquire(String name) {
        while (true) {
            LoadedModel m = load(name);
            synchronized (this) {
                if (loaded.get(name) == m) {
                    jobsUsing.merge(name, 1, Integer::sum);
                    return m;
                }
            } // unloaded between the load and now: load it again
        }
    }

    public synchronized void release(String name) {
        jobsUsing.computeIfPresent(name, (k, n) -> n == 1 ? null : n - 1);
    }

    /** The model's directory; refuses names that are paths or not under the root. */
    private Path directory(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("name", "a model name is required (a directory name under the model root)");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidRequestException("name", "model name '" + name
                    + "' must be a directory name under the model root (letters, digits, '.', '_', '-'), not a path");
        }
        Path dir = root.resolve(name).normalize();
        if (!dir.getParent().equals(root) || !Files.isRegularFile(dir.resolve("config.json"))) {
            throw new NotFoundException("model '" + name + "' is not under the model root"
                    + " (or has no config.json); ListModels shows the models there");
        }
        checkInsideRoot(name, dir);
        return dir;
    }

    /**
     * Refuses a model whose directory or files resolve (through symbolic links) outside the root: the root is the
     * only place clients can make the server read. Links within the root (a Hugging Face cache's blobs) are fine.
     */
    private void checkInsideRoot(String name, Path dir) {
        try {
            Path realRoot = root.toRealPath();
            List<Path> paths = new ArrayList<>(List.of(dir));
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(paths::add);
            }
            for (Path p : paths) {
                if (!p.toRealPath().startsWith(realRoot)) {
                    throw new InvalidRequestException("name", "model '" + name + "' links outside the model root ("
                            + root.relativize(p) + " is a symbolic link to elsewhere); the server reads only under"
                            + " its model root");
                }
            }
        } catch (IOException e) {
            throw new NotFoundException("model '" + name + "' cannot be read: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (LoadedModel m : loaded.values()) {
            m.batcher().close();
            m.handle().close();
        }
        loaded.clear();
    }
}
