package lpe.engine;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The native engine's shared library (native/, C ABI of lpe_native.h) bound through java.lang.foreign. One instance
 * per process is enough; Guice holds it. Every call returns a status that {@link #check} turns into an exception.
 */
public final class NativeLibrary {

    /** The system property, then the environment variable, that name the library file. */
    public static final String PROPERTY = "lpe.native.library";
    public static final String ENV = "LPE_NATIVE_LIBRARY";
    /** Where native/build.sh puts the library, relative to the repository root. */
    public static final String BUILD_PATH = "build/native/liblpe_native.so";
    /**
     * libtorch's CPU intra-op threads (default 1). Decision: OpenMP's spinning threads cost 10 to 50 times on a
     * shared or busy host (measured here: 64 rows of stories260K, forward 17 ms with 1 thread, 768 ms with 2 while
     * other builds ran); raise it on a dedicated CPU host. GPU work does not depend on it.
     */
    public static final String THREADS_PROPERTY = "lpe.native.threads";

    static final int OK = 0;
    static final int OUT_OF_MEMORY = 2;
    static final int ERROR_BYTES = 2048;

    private final Path path;
    final MethodHandle torchVersion;
    final MethodHandle cudaAvailable;
    final MethodHandle setCpuThreads;
    final MethodHandle modelCreate;
    final MethodHandle modelAddTensor;
    final MethodHandle modelFinish;
    final MethodHandle modelFree;
    final MethodHandle run;
    final MethodHandle runEstimatorPass;
    final MethodHandle argmax;
    final MethodHandle projectEmbeddings;
    final MethodHandle unembedding;
    final MethodHandle sampleArgmaxCounts;

    private NativeLibrary(Path path) {
        this.path = path;
        Linker linker = Linker.nativeLinker();
        SymbolLookup symbols = SymbolLookup.loaderLookup();
        torchVersion = bind(linker, symbols, "lpe_torch_version", FunctionDescriptor.of(ADDRESS));
        cudaAvailable = bind(linker, symbols, "lpe_cuda_available", FunctionDescriptor.of(JAVA_INT));
        setCpuThreads = bind(linker, symbols, "lpe_set_cpu_threads", FunctionDescriptor.ofVoid(JAVA_INT));
        modelCreate = bind(linker, symbols, "lpe_model_create",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        modelAddTensor = bind(linker, symbols, "lpe_model_add_tensor",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        modelFinish = bind(linker, symbols, "lpe_model_finish", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        modelFree = bind(linker, symbols, "lpe_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        run = bind(linker, symbols, "lpe_run", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        runEstimatorPass = bind(linker, symbols, "lpe_run_estimator_pass", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS,
                JAVA_DOUBLE, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG));
        argmax = bind(linker, symbols, "lpe_argmax", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG,
                ADDRESS, ADDRESS, JAVA_LONG));
        projectEmbeddings = bind(linker, symbols, "lpe_project_embeddings", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        unembedding = bind(linker, symbols, "lpe_unembedding", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        sampleArgmaxCounts = bind(linker, symbols, "lpe_sample_argmax_counts", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    }

    /**
     * Loads the library from {@code -Dlpe.native.library}, else {@code $LPE_NATIVE_LIBRARY}, else
     * {@code <lpe.home>/build/native/liblpe_native.so} (./lpe sets lpe.home to the repository root).
     */
    public static NativeLibrary load() {
        Optional<String> configured = Optional.ofNullable(System.getProperty(PROPERTY)).or(() -> Optional.ofNullable(System.getenv(ENV)));
        if (configured.isPresent()) {
            return load(Path.of(configured.get()));
        }
        Path home = Path.of(System.getProperty("lpe.home", "."));
        return load(home.resolve(BUILD_PATH));
    }

    /** Loads the library file; a missing file or a library whose libtorch cannot be found gives a clear error. */
    public static NativeLibrary load(Path path) {
        Path file = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new NativeEngineException("native engine library not found at " + file + "; build it with native/build.sh"
                    + " (needs libtorch: Debian's libtorch-dev or pip's torch) or name it with -D" + PROPERTY + "=FILE or $" + ENV);
        }
        try {
            System.load(file.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new NativeEngineException("cannot load the native engine library " + file + ": " + e.getMessage()
                    + ". If a libtorch library is named, the libtorch it was built against is gone; rebuild with native/build.sh"
                    + " or put libtorch's lib directory on LD_LIBRARY_PATH", e);
        }
        NativeLibrary library = new NativeLibrary(file);
        library.setCpuThreads(Integer.getInteger(THREADS_PROPERTY, 1));
        return library;
    }

    /** Sets libtorch's CPU intra-op thread count for the whole process. */
    public void setCpuThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("-D" + THREADS_PROPERTY + " is " + threads + "; expected 1 or more");
        }
        try {
            setCpuThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = symbols.find(name).orElseThrow(() -> new NativeEngineException(
                "the native engine library has no symbol " + name + "; it is not an lpe native engine build, or an old one"));
        return linker.downcallHandle(symbol, descriptor);
    }

    public Path path() {
        return path;
    }

    /** The libtorch version the library was built against. */
    public String torchVersion() {
        try {
            return ((MemorySegment) torchVersion.invokeExact()).reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether this libtorch has CUDA support and sees a GPU. */
    public boolean cudaAvailable() {
        try {
            return ((int) cudaAvailable.invokeExact()) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Turns a native status and its message into an exception naming what was being done. */
    static void check(int status, MemorySegment error, String doing) {
        if (status == OK) {
            return;
        }
        String message = doing + ": " + error.getString(0);
        throw status == OUT_OF_MEMORY ? new NativeOutOfMemoryException(message) : new NativeEngineException(message);
    }

    static MemorySegment errorBuffer(Arena arena) {
        return arena.allocate(ERROR_BYTES);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new NativeEngineException("native call failed: " + t, t);
    }
}
