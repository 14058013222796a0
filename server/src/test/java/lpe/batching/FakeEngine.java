package lpe.batching;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import lpe.engine.Engine;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.ModelShape;
import lpe.engine.Output;
import lpe.engine.ReducedOutputs;

/**
 * A deterministic stand-in for a model: every output of a row is a fixed function of its tokens (and target), so a
 * test can recompute what any row must get back. Records every batch it ran; can sleep per batch to act like a
 * device.
 */
public final class FakeEngine implements Engine {
    private final ModelShape shape;
    private final long sleepMillisPerBatch;
    private final List<EngineRequest> batches = Collections.synchronizedList(new ArrayList<>());

    public FakeEngine(int vocabulary, int width, long sleepMillisPerBatch) {
        this.shape = new ModelShape(vocabulary, width, 64);
        this.sleepMillisPerBatch = sleepMillisPerBatch;
    }

    /** The logit of token v after the row: a hash of the row and v, in [-4, 4). */
    public static float logit(int[] row, int v) {
        long h = 0x9E3779B97F4A7C15L * (v + 1);
        for (int t : row) {
            h = (h ^ t) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return ((h >>> 40) % 8000) / 1000f - 4f;
    }

    public List<EngineRequest> batches() {
        synchronized (batches) {
            return List.copyOf(batches);
        }
    }

    /** Drops the recorded batches (a long-running fake server, e.g. the soak, would otherwise hold them all). */
    public void forgetBatches() {
        batches.clear();
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public EngineResult run(EngineRequest request) {
        if (ReducedOutputs.asked(request)) {
            return ReducedOutputs.run(request, this::run, this);
        }
        for (int[] row : request.tokens()) {
            if (row.length != request.length()) {
                throw new IllegalStateException("rows of one batch differ in length");
            }
        }
        batches.add(request);
        if (sleepMillisPerBatch > 0) {
            try {
                Thread.sleep(sleepMillisPerBatch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int n = request.rows();
        int v = shape.vocabularySize();
        int d = shape.modelWidth();
        float[][] logits = null;
        float[][] activations = null;
        float[][][] gradients = null;
        if (request.outputs().contains(Output.LOGITS)) {
            logits = new float[n][v];
            for (int b = 0; b < n; b++) {
                for (int k = 0; k < v; k++) {
                    logits[b][k] = logit(request.tokens()[b], k);
                }
            }
        }
        if (request.outputs().contains(Output.ACTIVATIONS)) {
            activations = new float[n][d];
            for (int b = 0; b < n; b++) {
                for (int k = 0; k < d; k++) {
                    activations[b][k] = logit(request.tokens()[b], 1000 + k);
                }
            }
        }
        if (request.outputs().contains(Output.EMBEDDING_GRADIENTS)) {
            gradients = new float[n][request.length()][d];
            for (int b = 0; b < n; b++) {
                for (int t = 0; t < request.length(); t++) {
                    for (int k = 0; k < d; k++) {
                        gradients[b][t][k] = logit(request.tokens()[b], 100_000 * request.targets()[b] + 10 * t + k);
                    }
                }
            }
        }
        return new EngineResult(logits, activations, gradients);
    }

    @Override
    public float[][] projectOntoEmbeddings(float[][] vectors, int[] ids) {
        float[][] out = new float[vectors.length][ids.length];
        for (int n = 0; n < vectors.length; n++) {
            for (int k = 0; k < ids.length; k++) {
                for (int j = 0; j < vectors[n].length; j++) {
                    out[n][k] += vectors[n][j] * logit(new int[] {ids[k]}, 7 + j);
                }
            }
        }
        return out;
    }

    @Override
    public float[][] unembedding() {
        float[][] w = new float[shape.vocabularySize()][shape.modelWidth()];
        for (int v = 0; v < w.length; v++) {
            for (int j = 0; j < w[v].length; j++) {
                w[v][j] = logit(new int[] {v}, 3 + j);
            }
        }
        return w;
    }
}
