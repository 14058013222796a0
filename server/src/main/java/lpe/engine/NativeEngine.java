package lpe.engine;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lpe.dist.InputDistribution;
import lpe.dist.Position;
import lpe.model.Model;
import lpe.model.ModelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Engine} that runs a model in the project's own C++ over the host's libtorch (native/), called through
 * java.lang.foreign: on CPU, or on a CUDA GPU where DJL's JNI does not match the installed libtorch. Each call copies
 * the request into native memory once and the results out once; everything else happens on the device.
 */
public final class NativeEngine implements Engine, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NativeEngine.class);

    /** The config keys of lpe_native.h, in the order the C ABI documents them. */
    public static final Set<String> CONFIG_KEYS = Set.of("arch", "vocab", "hidden", "layers", "heads", "kv_heads",
            "head_dim", "intermediate", "context", "norm_eps", "rope_theta", "rotary_dim", "tied", "parallel_residual", "activation");

    private final NativeLibrary library;
    private final ModelShape shape;
    private MemorySegment model;
    private float[][] unembedding;

    private NativeEngine(NativeLibrary library, MemorySegment model, ModelShape shape) {
        this.library = library;
        this.model = model;
        this.shape = shape;
    }

    /** Starts a loaded model on {@code device} ("cpu", "cuda" or "cuda:N"); its F32 weights are copied to the device. */
    public static NativeEngine open(NativeLibrary library, Model model, String device, NativePrecision precision) {
        List<NativeTensor> tensors = model.weights().values().stream()
                .map(t -> new NativeTensor(t.name(), t.shape(), t.data())).toList();
        return open(library, config(model.config()), tensors, device, precision);
    }

    /** The C ABI's config keys from a model's config.json values. */
    static Map<String, String> config(ModelConfig c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("arch", switch (c.architecture()) {
            case LLAMA -> "llama";
            case GPT2 -> "gpt2";
            case GPT_NEOX -> "gpt_neox";
        });
        m.put("vocab", "" + c.vocabularySize());
        m.put("hidden", "" + c.hiddenSize());
        m.put("layers", "" + c.layers());
        m.put("heads", "" + c.heads());
        m.put("kv_heads", "" + c.kvHeads());
        m.put("head_dim", "" + c.headDim());
        m.put("intermediate", "" + c.intermediateSize());
        m.put("context", "" + c.contextLength());
        m.put("norm_eps", "" + c.normEps());
        m.put("rope_theta", "" + c.ropeTheta());
        m.put("rotary_dim", "" + c.rotaryDim());
        m.put("tied", c.tiedEmbeddings() ? "1" : "0");
        m.put("parallel_residual", c.parallelResidual() ? "1" : "0");
        m.put("activation", c.activation());
        return m;
    }

    /**
     * Starts a model on {@code device} ("cpu", "cuda" or "cuda:N"): the config (the keys of {@link #CONFIG_KEYS})
     * and every checkpoint tensor are copied to the device, then checked against the architecture.
     */
    public static NativeEngine open(NativeLibrary library, Map<String, String> config, Iterable<NativeTensor> tensors,
            String device, NativePrecision precision) {
        if (!config.keySet().equals(CONFIG_KEYS)) {
            throw new IllegalArgumentException("native engine config has keys " + config.keySet() + "; expected " + CONFIG_KEYS);
        }
        StringBuilder text = new StringBuilder();
        config.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        ModelShape shape = new ModelShape(Integer.parseInt(config.get("vocab")), Integer.parseInt(config.get("hidden")),
                Integer.parseInt(config.get("context")));
        MemorySegment model;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            model = (MemorySegment) library.modelCreate.invokeExact(arena.allocateFrom(text.toString()),
                    arena.allocateFrom(device), arena.allocateFrom(precision.code()), error, (long) NativeLibrary.ERROR_BYTES);
            if (model.equals(MemorySegment.NULL)) {
                throw new NativeEngineException("cannot start the native engine on " + device + ": " + error.getString(0));
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        NativeEngine engine = new NativeEngine(library, model, shape);
        try {
            for (NativeTensor tensor : tensors) {
                engine.add(tensor);
            }
            engine.finish();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        log.info("native engine ready: {} on {} ({}), libtorch {}", config.get("arch"), device, precision, library.torchVersion());
        return engine;
    }

    private void add(NativeTensor tensor) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment data = arena.allocate(JAVA_FLOAT, tensor.data().length);
            MemorySegment.copy(tensor.data(), 0, data, JAVA_FLOAT, 0, tensor.data().length);
            int status = (int) library.modelAddTensor.invokeExact(model, arena.allocateFrom(tensor.name()),
                    arena.allocateFrom(JAVA_LONG, tensor.shape()), tensor.shape().length, data, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "loading tensor '" + tensor.name() + "'");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private void finish() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            int status = (int) library.modelFinish.invokeExact(model, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "checking the model's tensors");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public synchronized EngineResult run(EngineRequest request) {
        int rows = request.rows();
        int length = request.length();
        boolean wantLogits = request.outputs().contains(Output.LOGITS);
        boolean wantActivations = request.outputs().contains(Output.ACTIVATIONS);
        boolean wantGradients = request.outputs().contains(Output.EMBEDDING_GRADIENTS);
        for (int r = 0; r < rows; r++) {
            if (request.tokens()[r].length != length) {
                throw new IllegalArgumentException("row " + r + " has " + request.tokens()[r].length
                        + " tokens; expected " + length + " (all rows of a request have one length)");
            }
        }
        if (wantGradients && (request.targets() == null || request.targets().length != rows)) {
            throw new IllegalArgumentException("embedding gradients need one target per row (" + rows + "), got "
                    + (request.targets() == null ? "none" : request.targets().length));
        }
        if (rows == 0) {
            return new EngineResult(wantLogits ? new float[0][] : null, wantActivations ? new float[0][] : null,
                    wantGradients ? new float[0][][] : null);
        }
        int v = shape.vocabularySize();
        int d = shape.modelWidth();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment tokens = arena.allocate(JAVA_INT, (long) rows * length);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(request.tokens()[r], 0, tokens, JAVA_INT, (long) r * length * 4, length);
            }
            MemorySegment logits = wantLogits ? arena.allocate(JAVA_FLOAT, (long) rows * v) : MemorySegment.NULL;
            MemorySegment activations = wantActivations ? arena.allocate(JAVA_FLOAT, (long) rows * d) : MemorySegment.NULL;
            MemorySegment targets = wantGradients ? arena.allocateFrom(JAVA_INT, request.targets()) : MemorySegment.NULL;
            MemorySegment gradients = wantGradients ? arena.allocate(JAVA_FLOAT, (long) rows * length * d) : MemorySegment.NULL;
            int status = (int) library.run.invokeExact(live(), tokens, (long) rows, (long) length, logits, activations,
                    targets, gradients, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "native engine run of " + rows + " rows of length " + length);
            float[][][] grads = null;
            if (wantGradients) {
                grads = new float[rows][length][];
                for (int r = 0; r < rows; r++) {
                    for (int t = 0; t < length; t++) {
                        grads[r][t] = slice(gradients, ((long) r * length + t) * d, d);
                    }
                }
            }
            return new EngineResult(wantLogits ? rowsOf(logits, rows, v) : null,
                    wantActivations ? rowsOf(activations, rows, d) : null, grads);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** The last-position argmax token of each row, computed on the device (only the ids come back). */
    public synchronized int[] argmax(int[][] tokens) {
        int rows = tokens.length;
        if (rows == 0) {
            return new int[0];
        }
        int length = tokens[0].length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment in = arena.allocate(JAVA_INT, (long) rows * length);
            for (int r = 0; r < rows; r++) {
                if (tokens[r].length != length) {
                    throw new IllegalArgumentException("row " + r + " has " + tokens[r].length + " tokens; expected " + length);
                }
                MemorySegment.copy(tokens[r], 0, in, JAVA_INT, (long) r * length * 4, length);
            }
            MemorySegment out = arena.allocate(JAVA_INT, rows);
            int status = (int) library.argmax.invokeExact(live(), in, (long) rows, (long) length, out, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "native argmax of " + rows + " rows of length " + length);
            return out.toArray(JAVA_INT);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    @Override
    public synchronized float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
        int d = shape.modelWidth();
        for (int n = 0; n < vectors.length; n++) {
            if (vectors[n].length != d) {
                throw new IllegalArgumentException("vector " + n + " has " + vectors[n].length + " values; expected the model width " + d);
            }
        }
        if (vectors.length == 0 || ids.length == 0) {
            return new float[vectors.length][ids.length];
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment in = arena.allocate(JAVA_FLOAT, (long) vectors.length * d);
            for (int n = 0; n < vectors.length; n++) {
                MemorySegment.copy(vectors[n], 0, in, JAVA_FLOAT, (long) n * d * 4, d);
            }
            MemorySegment out = arena.allocate(JAVA_FLOAT, (long) vectors.length * ids.length);
            int status = (int) library.projectEmbeddings.invokeExact(live(), in, (long) vectors.length,
                    arena.allocateFrom(JAVA_INT, ids), (long) ids.length, out, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "projecting onto the input embeddings");
            return rowsOf(out, vectors.length, ids.length);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    @Override
    public synchronized float[][] unembedding() {
        if (unembedding == null) {
            int v = shape.vocabularySize();
            int d = shape.modelWidth();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment error = NativeLibrary.errorBuffer(arena);
                MemorySegment out = arena.allocate(JAVA_FLOAT, (long) v * d);
                int status = (int) library.unembedding.invokeExact(live(), out, error, (long) NativeLibrary.ERROR_BYTES);
                NativeLibrary.check(status, error, "reading the unembedding");
                unembedding = rowsOf(out, v, d);
            } catch (Throwable t) {
                throw NativeLibrary.rethrow(t);
            }
        }
        float[][] copy = new float[unembedding.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = unembedding[i].clone();
        }
        return copy;
    }

    /**
     * Ground truth on the device: draws {@code samples} inputs from the distribution, runs them in batches of at most
     * {@code batch} rows and returns how often each token is the last-position argmax ([vocab]). Sample i, counted
     * from {@code firstSample}, depends only on (seed, i): shards of one seed add up to the unsharded run.
     */
    public synchronized long[] sampleArgmaxCounts(InputDistribution distribution, long samples, long batch, long seed, long firstSample) {
        int length = distribution.length();
        long[] offsets = new long[length + 1];
        for (int p = 0; p < length; p++) {
            offsets[p + 1] = offsets[p] + distribution.position(p).size();
        }
        int[] ids = new int[(int) offsets[length]];
        double[] weights = new double[ids.length];
        for (int p = 0; p < length; p++) {
            Position position = distribution.position(p);
            for (int k = 0; k < position.size(); k++) {
                ids[(int) offsets[p] + k] = position.id(k);
                weights[(int) offsets[p] + k] = position.probability(k);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment counts = arena.allocate(JAVA_LONG, shape.vocabularySize());
            int status = (int) library.sampleArgmaxCounts.invokeExact(live(), (long) length, arena.allocateFrom(JAVA_LONG, offsets),
                    arena.allocateFrom(JAVA_INT, ids), arena.allocateFrom(JAVA_DOUBLE, weights), samples, batch, seed,
                    firstSample, counts, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "sampling ground truth for '" + distribution.name() + "'");
            return counts.toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            try {
                library.modelFree.invokeExact(model);
            } catch (Throwable t) {
                throw NativeLibrary.rethrow(t);
            }
            model = null;
        }
    }

    private MemorySegment live() {
        if (model == null) {
            throw new IllegalStateException("native engine is closed");
        }
        return model;
    }

    private static float[] slice(MemorySegment segment, long offset, int n) {
        return segment.asSlice(offset * 4, (long) n * 4).toArray(JAVA_FLOAT);
    }

    private static float[][] rowsOf(MemorySegment segment, int rows, int columns) {
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = slice(segment, (long) r * columns, columns);
        }
        return out;
    }
}
