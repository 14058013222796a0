package lpe.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import lpe.model.Model;
import lpe.model.Tensor;

/**
 * The {@link Engine} on DJL's PyTorch engine (CPU). Token ids are turned into input embeddings here, in Java, so that
 * every request gets a fresh leaf tensor and autograd gives d logit / d embeddings directly.
 *
 * <p>Thread safety: every call (forward, forward with gradients, projection, and creating and closing the engine's
 * arrays) holds one process-wide lock. DJL allows only one GradientCollector per process, so calls are serialised
 * rather than only the backward ones. (The intermittent wrong gradients once blamed on concurrent calls came from
 * DJL's number operands, whose memory it frees before the backward pass reads it: {@link DjlTransformer} keeps every
 * constant as an engine-owned array; docs/djl-gradient-fault.md.)
 * libtorch still uses its intra-op threads inside each call, and the Batcher already fuses the rows of all jobs into
 * one call at a time. Every intermediate array of a call is freed when the call ends (an NDScope per call).
 */
public final class DjlEngine implements Engine, AutoCloseable {

    /** DJL permits one GradientCollector per process, whatever the model; so the lock is per process too. */
    private static final ReentrantLock LOCK = new ReentrantLock();

    private final Model model;
    private final NDManager manager;
    private final DjlTransformer transformer;
    private final NDArray unembeddingTransposed; // [D, V]
    private final float[] embeddings; // W_E [V, D] row-major
    private final float[] unembeddings; // W_U [V, D] row-major
    private final ModelShape shape;

    public DjlEngine(Model model) {
        this.model = model;
        this.embeddings = model.embeddingMatrix().data();
        Tensor unembedding = model.unembeddingMatrix();
        this.unembeddings = unembedding.data();
        int v = model.config().vocabularySize();
        int d = model.config().hiddenSize();
        this.shape = new ModelShape(v, d, model.config().contextLength());
        LOCK.lock(); // creating the weights is a DJL call too
        try {
            this.manager = NDManager.newBaseManager("PyTorch");
            try {
                this.transformer = new DjlTransformer(model, manager);
                this.unembeddingTransposed = manager.create(DjlWeights.transpose(unembeddings, v, d), new Shape(d, v));
            } catch (RuntimeException e) {
                manager.close(); // a refused model leaves no arrays behind
                throw e;
            }
        } finally {
            LOCK.unlock();
        }
    }

    public Model model() {
        return model;
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public EngineResult run(EngineRequest request) {
        validate(request);
        if (ReducedOutputs.asked(request)) {
            return ReducedOutputs.run(request, this::run, this);
        }
        int rows = request.rows();
        int length = request.length();
        float[] inputs = new float[rows * length * shape.modelWidth()];
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < length; t++) {
                System.arraycopy(embeddings, request.tokens()[b][t] * shape.modelWidth(), inputs,
                        (b * length + t) * shape.modelWidth(), shape.modelWidth());
            }
        }
        return runFromEmbeddings(inputs, rows, length, request.outputs(), request.targets());
    }

    /** The engine from input embeddings [rows, length, D] (row-major); package-private for finite-difference tests. */
    EngineResult runFromEmbeddings(float[] inputs, int rows, int length, Set<Output> outputs, int[] targets) {
        int d = shape.modelWidth();
        boolean gradients = outputs.contains(Output.EMBEDDING_GRADIENTS);
        LOCK.lock();
        try (NDManager call = manager.newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = call.create(inputs, new Shape(rows, length, d));
            float[][] logits = null;
            float[][] activations = null;
            float[][][] inputGradients = null;
            if (gradients) {
                x.setRequiresGradient(true);
                try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                    NDArray activation = transformer.lastActivation(x);
                    NDArray targetRows = call.create(rowsOf(unembeddings, targets, d), new Shape(rows, d));
                    collector.backward(activation.mul(targetRows).sum()); // Σ_b logit[b, target[b]]; rows independent
                    if (outputs.contains(Output.LOGITS)) {
                        logits = split(activation.matMul(unembeddingTransposed).toFloatArray(), rows, shape.vocabularySize());
                    }
                    if (outputs.contains(Output.ACTIVATIONS)) {
                        activations = split(activation.toFloatArray(), rows, d);
                    }
                }
                inputGradients = split3(x.getGradient().toFloatArray(), rows, length, d);
            } else {
                NDArray activation = transformer.lastActivation(x);
                if (outputs.contains(Output.LOGITS)) {
                    logits = split(activation.matMul(unembeddingTransposed).toFloatArray(), rows, shape.vocabularySize());
                }
                if (outputs.contains(Output.ACTIVATIONS)) {
                    activations = split(activation.toFloatArray(), rows, d);
                }
            }
            return new EngineResult(logits, activations, inputGradients);
        } finally {
            LOCK.unlock();
        }
    }

    @Override
    public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
        int d = shape.modelWidth();
        for (int n = 0; n < vectors.length; n++) {
            if (vectors[n].length != d) {
                throw new IllegalArgumentException("vector " + n + " has length " + vectors[n].length + "; expected the model width " + d);
            }
        }
        for (int k = 0; k < ids.length; k++) {
            checkId(ids[k], "ids[" + k + "]");
        }
        if (vectors.length == 0 || ids.length == 0) {
            return new float[vectors.length][ids.length];
        }
        float[] flat = new float[vectors.length * d];
        for (int n = 0; n < vectors.length; n++) {
            System.arraycopy(vectors[n], 0, flat, n * d, d);
        }
        LOCK.lock();
        try (NDManager call = manager.newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray v = call.create(flat, new Shape(vectors.length, d));
            NDArray chosenT = call.create(DjlWeights.transpose(rowsOf(embeddings, ids, d), ids.length, d), new Shape(d, ids.length));
            return split(v.matMul(chosenT).toFloatArray(), vectors.length, ids.length);
        } finally {
            LOCK.unlock();
        }
    }

    @Override
    public float[][] unembedding() {
        return model.unembeddingMatrix().rows();
    }

    /** Arrays held by the engine's manager (weights, tables); constant across calls unless a call leaks. */
    int managedArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        LOCK.lock(); // freeing the weights too: an engine closed by an unloading server while another computes
        try {
            manager.close();
        } finally {
            LOCK.unlock();
        }
    }

    private void validate(EngineRequest request) {
        int[][] tokens = request.tokens();
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("empty batch: expected at least one row of token ids");
        }
        if (request.outputs() == null || request.outputs().isEmpty()) {
            throw new IllegalArgumentException("no outputs requested: expected at least one of " + Set.of(Output.values()));
        }
        int length = tokens[0].length;
        if (length == 0) {
            throw new IllegalArgumentException("row 0 is empty: expected at least one token");
        }
        if (length > shape.contextLength()) {
            throw new IllegalArgumentException("rows have " + length + " tokens; the model's context length is " + shape.contextLength());
        }
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length != length) {
                throw new IllegalArgumentException("row " + b + " has " + tokens[b].length + " tokens; expected " + length + " like row 0");
            }
            for (int t = 0; t < length; t++) {
                checkId(tokens[b][t], "row " + b + " position " + t);
            }
        }
        request.checkOutputFields(shape.vocabularySize());
    }

    private void checkId(int id, String where) {
        if (id < 0 || id >= shape.vocabularySize()) {
            throw new IllegalArgumentException(where + ": token id " + id + " is outside the vocabulary [0, " + shape.vocabularySize() + ")");
        }
    }

    private static float[] rowsOf(float[] matrix, int[] ids, int d) {
        float[] out = new float[ids.length * d];
        for (int k = 0; k < ids.length; k++) {
            System.arraycopy(matrix, ids[k] * d, out, k * d, d);
        }
        return out;
    }

    private static float[][] split(float[] flat, int rows, int cols) {
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }

    private static float[][][] split3(float[] flat, int rows, int length, int d) {
        float[][][] out = new float[rows][length][d];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < length; t++) {
                System.arraycopy(flat, (r * length + t) * d, out[r][t], 0, d);
            }
        }
        return out;
    }
}
