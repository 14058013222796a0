package lpe.batching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import lpe.engine.EngineRequest;
import lpe.engine.EngineResult;
import lpe.engine.Output;
import lpe.engine.ProposalDraws;
import lpe.engine.ProposalLaw;
import lpe.engine.Proposals;

/**
 * One device batch: the slices of several participants' requests fused into one {@link EngineRequest}, and the split
 * of its result back into each request's {@link Rows}. Its rules:
 * <ul>
 *   <li>requests fuse when they share their row length, outputs, one-hot columns and proposal law ({@link #fuses});
 *   <li>identical rows run once as far as every requested output's {@link Output.Sharing} allows (jobs on several
 *       targets with one seed share their forward passes this way);
 *   <li>each slice is its own group of {@link Output#ONE_HOT_GRADIENT_SUMS}; a request adds up the sums of its slices
 *       over the batches its rows ran in.
 * </ul>
 * A new output touches only the engines, {@link Output} (its sharing) and this class (its per-row inputs and rows).
 */
final class Fusion {
    private final List<Batcher.Slice> slices;
    private final EngineRequest request;
    private final int[][] fusedIndex;
    private final int rowsRequested;

    /** Whether requests a and b may share a device batch. */
    static boolean fuses(EngineRequest a, EngineRequest b) {
        return a.length() == b.length() && a.outputs().equals(b.outputs())
                && Objects.equals(law(a), law(b)) && Arrays.equals(a.columns(), b.columns());
    }

    private static ProposalLaw law(EngineRequest request) {
        return request.proposals() == null ? null : request.proposals().law();
    }

    /** Fuses the slices, all of requests that {@link #fuses fuse}, into one engine request. */
    Fusion(List<Batcher.Slice> slices) {
        this.slices = slices;
        EngineRequest lead = slices.getFirst().pending().request;
        Set<Output> outputs = lead.outputs();
        Output.Sharing sharing = Output.Sharing.SAME_TOKENS;
        for (Output o : outputs) {
            sharing = sharing.and(o.sharing());
        }
        boolean byTarget = sharing != Output.Sharing.SAME_TOKENS;
        boolean proposals = outputs.contains(Output.PROPOSALS);
        boolean sums = outputs.contains(Output.ONE_HOT_GRADIENT_SUMS);
        Map<RowKey, Integer> unique = new HashMap<>();
        List<int[]> rows = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        List<float[]> uniforms = new ArrayList<>();
        List<Integer> reverseColumns = new ArrayList<>();
        List<Integer> groups = new ArrayList<>();
        int requested = 0;
        fusedIndex = new int[slices.size()][];
        for (int s = 0; s < slices.size(); s++) {
            Batcher.Slice slice = slices.get(s);
            EngineRequest r = slice.pending().request;
            fusedIndex[s] = new int[slice.count()];
            for (int i = 0; i < slice.count(); i++) {
                int row = slice.from() + i;
                int[] tokens = r.tokens()[row];
                int target = byTarget ? r.targets()[row] : -1;
                int owner = sharing == Output.Sharing.NEVER ? requested + i : -1;
                Integer index = unique.putIfAbsent(new RowKey(tokens, target, owner), rows.size());
                if (index == null) {
                    index = rows.size();
                    rows.add(tokens);
                    targets.add(target);
                    groups.add(s);
                    if (proposals) {
                        positions.add(r.positions()[row]);
                        uniforms.add(r.proposals().uniforms()[row]);
                        reverseColumns.add(r.proposals().reverseColumns()[row]);
                    }
                }
                fusedIndex[s][i] = index;
            }
            requested += slice.count();
        }
        rowsRequested = requested;
        request = new EngineRequest(
                rows.toArray(int[][]::new),
                outputs,
                byTarget ? targets.stream().mapToInt(Integer::intValue).toArray() : null,
                lead.columns(),
                proposals ? positions.toArray(int[][]::new) : null,
                sums ? groups.stream().mapToInt(Integer::intValue).toArray() : null,
                proposals ? new Proposals(lead.proposals().law(), uniforms.toArray(float[][]::new),
                        reverseColumns.stream().mapToInt(Integer::intValue).toArray()) : null);
    }

    /** The fused request for the engine. */
    EngineRequest request() {
        return request;
    }

    /** Rows the slices asked for (at least the fused request's rows). */
    int rowsRequested() {
        return rowsRequested;
    }

    /** Copies each slice's rows out of the engine's result for the fused request into its request's rows. */
    void split(EngineResult result) {
        for (int s = 0; s < slices.size(); s++) {
            Batcher.Slice slice = slices.get(s);
            slice.pending().rows.add(result, slice.from(), fusedIndex[s], s);
        }
    }

    /** The result rows of one request, as its slices come back from their batches. */
    static final class Rows {
        private final int rows;
        private final float[][] logits;
        private final float[][] activations;
        private final float[][][] gradients;
        private final int[] argmax;
        private final float[] targetLogits;
        private final int[][] proposedColumns;
        private final float[][] proposalLogProbabilities;
        private final float[] reverseLogProbabilities;
        private final boolean sums;
        private float[][] oneHotSums;
        private int delivered;

        Rows(EngineRequest request) {
            Set<Output> outputs = request.outputs();
            rows = request.rows();
            logits = outputs.contains(Output.LOGITS) ? new float[rows][] : null;
            activations = outputs.contains(Output.ACTIVATIONS) ? new float[rows][] : null;
            gradients = outputs.contains(Output.EMBEDDING_GRADIENTS) ? new float[rows][][] : null;
            argmax = outputs.contains(Output.ARGMAX) ? new int[rows] : null;
            targetLogits = outputs.contains(Output.TARGET_LOGIT) ? new float[rows] : null;
            boolean proposals = outputs.contains(Output.PROPOSALS);
            proposedColumns = proposals ? new int[rows][] : null;
            proposalLogProbabilities = proposals ? new float[rows][] : null;
            reverseLogProbabilities = proposals ? new float[rows] : null;
            sums = outputs.contains(Output.ONE_HOT_GRADIENT_SUMS);
        }

        /** Whether every row came back. */
        boolean complete() {
            return delivered == rows;
        }

        /**
         * Copies rows {@code from..} out of a fused result; {@code fused[r]} is row from+r's index there and
         * {@code group} the slice's group of {@link Output#ONE_HOT_GRADIENT_SUMS}, added to this request's sums.
         */
        private void add(EngineResult result, int from, int[] fused, int group) {
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
            if (sums) {
                addSums(result.oneHotGradientSums()[group]);
            }
            delivered += fused.length;
        }

        private void addSums(float[][] group) {
            if (oneHotSums == null) {
                oneHotSums = new float[group.length][];
                for (int i = 0; i < group.length; i++) {
                    oneHotSums[i] = group[i].clone();
                }
                return;
            }
            for (int i = 0; i < group.length; i++) {
                for (int k = 0; k < group[i].length; k++) {
                    oneHotSums[i][k] += group[i][k];
                }
            }
        }

        /** The request's result; call once {@link #complete()}. */
        EngineResult result() {
            // every delivered slice added its group's sums (a request with rows has at least one slice)
            float[][][] sumBlocks = oneHotSums == null ? null : new float[][][] {oneHotSums};
            ProposalDraws draws = proposedColumns == null ? null
                    : new ProposalDraws(proposedColumns, proposalLogProbabilities, reverseLogProbabilities);
            return new EngineResult(logits, activations, gradients, argmax, targetLogits, draws, sumBlocks);
        }
    }

    /**
     * A row's identity for sharing inside one batch: its tokens, its target when an output reads it, and its own index
     * in the batch when it may not be shared (else −1).
     */
    private record RowKey(int[] tokens, int target, int owner) {
        @Override
        public boolean equals(Object o) {
            return o instanceof RowKey k && k.target == target && k.owner == owner && Arrays.equals(k.tokens, tokens);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(tokens) + target) + owner;
        }
    }
}
