package lpe.engine;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
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

    /** The outputs that lpe_run_estimator_pass computes; ACTIVATIONS and EMBEDDING_GRADIENTS come from lpe_run. */
    private static final Set<Output> PASS_OUTPUTS = EnumSet.of(Output.LOGITS, Output.ARGMAX, Output.TARGET_LOGIT,
            Output.PROPOSALS, Output.ONE_HOT_GRADIENT_SUMS);
    private static final EngineResult NOTHING = new EngineResult(null, null, null);

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

    /**
     * Runs the request in at most two native calls: lpe_run_estimator_pass for {@link #PASS_OUTPUTS}, lpe_run for
     * ACTIVATIONS and EMBEDDING_GRADIENTS. Decision: when lpe_run runs anyway it also gives LOGITS (the same
     * forward), so the estimator pass runs only if a reduced output is asked for too.
     */
    @Override
    public synchronized EngineResult run(EngineRequest request) {
        check(request);
        Set<Output> whole = EnumSet.noneOf(Output.class);
        Set<Output> pass = EnumSet.noneOf(Output.class);
        for (Output output : request.outputs()) {
            (PASS_OUTPUTS.contains(output) ? pass : whole).add(output);
        }
        if (!whole.isEmpty() && pass.remove(Output.LOGITS)) {
            whole.add(Output.LOGITS);
        }
        if (request.rows() == 0) {
            return EngineResult.empty(request);
        }
        EngineResult a = whole.isEmpty() ? NOTHING : runWhole(request, whole);
        EngineResult b = pass.isEmpty() ? NOTHING : estimatorPass(request.tokens(), pass, request.targets(),
                request.columns(), request.positions(), request.groups(), request.groupCount(), request.proposals());
        return new EngineResult(either(a.logits(), b.logits()), a.activations(), a.embeddingGradients(), b.argmax(),
                b.targetLogits(), b.proposalDraws(), b.oneHotGradientSums());
    }

    /** The request's shapes and fields; token ids are range-checked natively. */
    private void check(EngineRequest request) {
        int length = request.length();
        for (int r = 0; r < request.rows(); r++) {
            if (request.tokens()[r].length != length) {
                throw new IllegalArgumentException("row " + r + " has " + request.tokens()[r].length
                        + " tokens; expected " + length + " (all rows of a request have one length)");
            }
        }
        request.checkOutputFields(shape.vocabularySize());
    }

    /** One lpe_run call for LOGITS, ACTIVATIONS and EMBEDDING_GRADIENTS of a checked request. */
    private EngineResult runWhole(EngineRequest request, Set<Output> outputs) {
        int rows = request.rows();
        int length = request.length();
        boolean wantLogits = outputs.contains(Output.LOGITS);
        boolean wantActivations = outputs.contains(Output.ACTIVATIONS);
        boolean wantGradients = outputs.contains(Output.EMBEDDING_GRADIENTS);
        int v = shape.vocabularySize();
        int d = shape.modelWidth();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment logits = wantLogits ? arena.allocate(JAVA_FLOAT, (long) rows * v) : MemorySegment.NULL;
            MemorySegment activations = wantActivations ? arena.allocate(JAVA_FLOAT, (long) rows * d) : MemorySegment.NULL;
            MemorySegment targets = wantGradients ? arena.allocateFrom(JAVA_INT, request.targets()) : MemorySegment.NULL;
            MemorySegment gradients = wantGradients ? arena.allocate(JAVA_FLOAT, (long) rows * length * d) : MemorySegment.NULL;
            int status = (int) library.run.invokeExact(live(), flat(arena, request.tokens(), length), (long) rows, (long) length,
                    logits, activations, targets, gradients, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "native engine run of " + rows + " rows of length " + length);
            return new EngineResult(wantLogits ? rowsOf(logits, rows, v) : null,
                    wantActivations ? rowsOf(activations, rows, d) : null, wantGradients ? blocks(gradients, rows, length, d) : null);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * One lpe_run_estimator_pass call for {@code outputs} (of {@link #PASS_OUTPUTS}); a null array goes as NULL,
     * positions and uniforms as [rows][positions[0].length]. {@link #run} checks the request first; tests call this directly to
     * reach the native checks behind the Java ones.
     */
    EngineResult estimatorPass(int[][] tokens, Set<Output> outputs, int[] targets, int[] columns, int[][] positions,
            int[] groups, int groupCount, Proposals proposals) {
        int rows = tokens.length;
        int length = tokens[0].length;
        int q = positions == null || positions.length == 0 ? 0 : positions[0].length;
        int k = columns == null ? 0 : columns.length;
        int v = shape.vocabularySize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = NativeLibrary.errorBuffer(arena);
            MemorySegment logits = output(arena, outputs, Output.LOGITS, (long) rows * v);
            MemorySegment argmax = outputs.contains(Output.ARGMAX) ? arena.allocate(JAVA_INT, rows) : MemorySegment.NULL;
            MemorySegment targetLogits = output(arena, outputs, Output.TARGET_LOGIT, rows);
            boolean draw = outputs.contains(Output.PROPOSALS);
            MemorySegment drawn = draw ? arena.allocate(JAVA_INT, Math.max(1, (long) rows * q)) : MemorySegment.NULL;
            MemorySegment drawnLog = output(arena, outputs, Output.PROPOSALS, (long) rows * q);
            MemorySegment reverseLog = output(arena, outputs, Output.PROPOSALS, rows);
            MemorySegment sums = output(arena, outputs, Output.ONE_HOT_GRADIENT_SUMS, (long) groupCount * length * k);
            MemorySegment at = positions == null ? MemorySegment.NULL : flat(arena, positions, q);
            MemorySegment priors = proposals == null ? MemorySegment.NULL : floats(arena, proposals.law().logPriors());
            MemorySegment uniforms = proposals == null ? MemorySegment.NULL : floats(arena, proposals.uniforms());
            double temperature = proposals == null ? 1 : proposals.law().temperature();
            int status = (int) library.runEstimatorPass.invokeExact(live(), flat(arena, tokens, length), (long) rows,
                    (long) length, ids(arena, targets), ids(arena, columns), (long) k,
                    at, (long) q, ids(arena, groups), (long) groupCount, priors, temperature, uniforms,
                    ids(arena, proposals == null ? null : proposals.reverseColumns()),
                    logits, argmax, targetLogits, drawn, drawnLog, reverseLog, sums, error, (long) NativeLibrary.ERROR_BYTES);
            NativeLibrary.check(status, error, "native estimator pass of " + rows + " rows of length " + length);
            return new EngineResult(outputs.contains(Output.LOGITS) ? rowsOf(logits, rows, v) : null, null, null,
                    outputs.contains(Output.ARGMAX) ? argmax.toArray(JAVA_INT) : null,
                    outputs.contains(Output.TARGET_LOGIT) ? targetLogits.toArray(JAVA_FLOAT) : null,
                    draw ? new ProposalDraws(intRows(drawn, rows, q), rowsOf(drawnLog, rows, q), reverseLog.toArray(JAVA_FLOAT))
                            : null,
                    outputs.contains(Output.ONE_HOT_GRADIENT_SUMS) ? blocks(sums, groupCount, length, k) : null);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** A float output buffer of n values if asked for, else NULL; at least one value, so that asked is never NULL. */
    private static MemorySegment output(Arena arena, Set<Output> outputs, Output output, long n) {
        return outputs.contains(output) ? arena.allocate(JAVA_FLOAT, Math.max(1, n)) : MemorySegment.NULL;
    }

    private static MemorySegment ids(Arena arena, int[] ids) {
        return ids == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_INT, ids);
    }

    /** rows[r][0..width) one after another, copied row by row. */
    private static MemorySegment flat(Arena arena, int[][] rows, int width) {
        MemorySegment out = arena.allocate(JAVA_INT, Math.max(1, (long) rows.length * width));
        for (int r = 0; r < rows.length; r++) {
            MemorySegment.copy(rows[r], 0, out, JAVA_INT, (long) r * width * 4, width);
        }
        return out;
    }

    /** A [rows][width] float array one row after another. */
    private static MemorySegment floats(Arena arena, float[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        MemorySegment out = arena.allocate(JAVA_FLOAT, Math.max(1, (long) rows.length * width));
        for (int r = 0; r < rows.length; r++) {
            MemorySegment.copy(rows[r], 0, out, JAVA_FLOAT, (long) r * width * 4, width);
        }
        return out;
    }

    private static int[][] intRows(MemorySegment segment, int rows, int columns) {
        int[][] out = new int[rows][columns];
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(segment, JAVA_INT, (long) r * columns * 4, out[r], 0, columns);
        }
        return out;
    }

    private static <T> T either(T a, T b) {
        return a != null ? a : b;
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
            for (int r = 0; r < rows; r++) {
                if (tokens[r].length != length) {
                    throw new IllegalArgumentException("row " + r + " has " + tokens[r].length + " tokens; expected " + length);
                }
            }
            MemorySegment in = flat(arena, tokens, length);
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

    /** segment's floats offset .. offset+n-1, in one bulk copy. */
    private static float[] slice(MemorySegment segment, long offset, int n) {
        float[] out = new float[n];
        MemorySegment.copy(segment, JAVA_FLOAT, offset * 4, out, 0, n);
        return out;
    }

    private static float[][] rowsOf(MemorySegment segment, int rows, int columns) {
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = slice(segment, (long) r * columns, columns);
        }
        return out;
    }

    /** A [n][rows][columns] block of floats as arrays. */
    private static float[][][] blocks(MemorySegment segment, int n, int rows, int columns) {
        float[][][] out = new float[n][rows][];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < rows; r++) {
                out[i][r] = slice(segment, ((long) i * rows + r) * columns, columns);
            }
        }
        return out;
    }
}
