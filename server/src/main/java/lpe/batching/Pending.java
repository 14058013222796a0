package lpe.batching;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;
import lpe.engine.ProposalDraws;
import lpe.engine.ProposalLaw;

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
    private final int[] argmax;
    private final float[] targetLogits;
    private final int[][] proposedColumns;
    private final float[][] proposalLogProbabilities;
    private final float[] reverseLogProbabilities;
    private float[][] oneHotSums;

    Pending(EngineRequest request, long arrivalNanos) {
        this.request = request;
        this.arrivalNanos = arrivalNanos;
        Set<Output> outputs = request.outputs();
        int n = request.rows();
        logits = outputs.contains(Output.LOGITS) ? new float[n][] : null;
        activations = outputs.contains(Output.ACTIVATIONS) ? new float[n][] : null;
        gradients = outputs.contains(Output.EMBEDDING_GRADIENTS) ? new float[n][][] : null;
        argmax = outputs.contains(Output.ARGMAX) ? new int[n] : null;
        targetLogits = outputs.contains(Output.TARGET_LOGIT) ? new float[n] : null;
        boolean proposals = outputs.contains(Output.PROPOSALS);
        proposedColumns = proposals ? new int[n][] : null;
        proposalLogProbabilities = proposals ? new float[n][] : null;
        reverseLogProbabilities = proposals ? new float[n] : null;
    }

    int rowsLeft() {
        return request.rows() - nextRow;
    }

    boolean done() {
        return rowsDone == request.rows();
    }

    /** Same row length, outputs, one-hot columns and proposal law: the two can share a device batch. */
    boolean fusesWith(Pending other) {
        return request.length() == other.request.length() && request.outputs().equals(other.request.outputs())
                && Objects.equals(law(), other.law()) && Arrays.equals(request.columns(), other.request.columns());
    }

    private ProposalLaw law() {
        return request.proposals() == null ? null : request.proposals().law();
    }

    /**
     * Copies rows {@code from..} of this request out of a fused result; {@code fused[r]} is row from+r's index and
     * {@code group} the slice's group of {@link Output#ONE_HOT_GRADIENT_SUMS}, which is added to this request's sums.
     */
    void deliver(EngineResult result, int from, int[] fused, int group) {
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
            if (argmax != null) {
                argmax[from + r] = result.argmax()[i];
            }
            if (targetLogits != null) {
                targetLogits[from + r] = result.targetLogits()[i];
            }
            if (proposedColumns != null) {
                ProposalDraws draws = result.proposalDraws();
                proposedColumns[from + r] = draws.columns()[i];
                proposalLogProbabilities[from + r] = draws.logProbabilities()[i];
                reverseLogProbabilities[from + r] = draws.reverseLogProbabilities()[i];
            }
        }
        if (request.outputs().contains(Output.ONE_HOT_GRADIENT_SUMS)) {
            addSums(result.oneHotGradientSums()[group]);
        }
        rowsDone += fused.length;
    }

    private void addSums(float[][] sums) {
        if (oneHotSums == null) {
            oneHotSums = new float[sums.length][];
            for (int i = 0; i < sums.length; i++) {
                oneHotSums[i] = sums[i].clone();
            }
            return;
        }
        for (int i = 0; i < sums.length; i++) {
            for (int k = 0; k < sums[i].length; k++) {
                oneHotSums[i][k] += sums[i][k];
            }
        }
    }

    EngineResult result() {
        // every delivered slice added its group's sums (a request with rows has at least one slice)
        float[][][] sums = oneHotSums == null ? null : new float[][][] {oneHotSums};
        ProposalDraws draws = proposedColumns == null ? null
                : new ProposalDraws(proposedColumns, proposalLogProbabilities, reverseLogProbabilities);
        return new EngineResult(logits, activations, gradients, argmax, targetLogits, draws, sums);
    }
}
