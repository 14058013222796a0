package lpe.batching;

import java.util.Set;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;

/** One participant's request while it waits: which rows were taken into batches, and the result rows so far. */
final class Pending {
    final EngineRequest request;
    final long arrivalNanos;
    int nextRow;
    boolean cancelled;
    RuntimeException failure;
    private int rowsDone;
    private final float[][] logits;
    private final float[][] activations;
    private final float[][][] gradients;

    Pending(EngineRequest request, long arrivalNanos) {
        this.request = request;
        this.arrivalNanos = arrivalNanos;
        Set<Output> outputs = request.outputs();
        int n = request.rows();
        logits = outputs.contains(Output.LOGITS) ? new float[n][] : null;
        activations = outputs.contains(Output.ACTIVATIONS) ? new float[n][] : null;
        gradients = outputs.contains(Output.EMBEDDING_GRADIENTS) ? new float[n][][] : null;
    }

    static EngineResult emptyResult(EngineRequest request) {
        return new Pending(request, 0).result();
    }

    int rowsLeft() {
        return request.rows() - nextRow;
    }

    boolean done() {
        return rowsDone == request.rows();
    }

    /** Same row length and same outputs: the two can share a device batch. */
    boolean fusesWith(Pending other) {
        return request.length() == other.request.length() && request.outputs().equals(other.request.outputs());
    }

    /** Copies rows {@code from..} of this request out of a fused result; {@code fused[r]} is row from+r's index. */
    void deliver(EngineResult result, int from, int[] fused) {
        for (int r = 0; r < fused.length; r++) {
            int i = fused[r];
            if (logits != null) {
                logits[from + r] = result.logits()[i].clone();
            }
            if (activations != null) {
                activations[from + r] = result.activations()[i].clone();
            }
            if (gradients != null) {
                float[][] g = result.embeddingGradients()[i];
                float[][] copy = new float[g.length][];
                for (int t = 0; t < g.length; t++) {
                    copy[t] = g[t].clone();
                }
                gradients[from + r] = copy;
            }
        }
        rowsDone += fused.length;
    }

    EngineResult result() {
        return new EngineResult(logits, activations, gradients);
    }
}
