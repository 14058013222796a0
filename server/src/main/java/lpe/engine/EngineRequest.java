package lpe.engine;

import java.util.Set;

/**
 * Rows of token ids (all of one length) and what is wanted for them.
 * <ul>
 *   <li>{@code targets[b]}: the logit whose value or gradient row b wants; needed by {@link Output#TARGET_LOGIT} and
 *       every gradient output, else may be null;
 *   <li>{@code columns}: the token ids v of the one-hot gradients h_i(x)(v) ({@link Output#ONE_HOT_GRADIENTS},
 *       {@link Output#ONE_HOT_GRADIENT_SUMS}), else null;
 *   <li>{@code positions[b]}: the positions of row b whose one-hot gradients {@link Output#ONE_HOT_GRADIENTS} wants,
 *       the same count for every row, else null;
 *   <li>{@code groups[b]}: the sum of {@link Output#ONE_HOT_GRADIENT_SUMS} that row b adds to, 0..G−1; null means one
 *       group of all rows.
 * </ul>
 */
public record EngineRequest(int[][] tokens, Set<Output> outputs, int[] targets, int[] columns, int[][] positions,
        int[] groups) {

    public EngineRequest(int[][] tokens, Set<Output> outputs, int[] targets) {
        this(tokens, outputs, targets, null, null, null);
    }

    public int rows() {
        return tokens.length;
    }

    public int length() {
        return tokens.length == 0 ? 0 : tokens[0].length;
    }

    /** Whether any output needs a backward pass from the targets' logits. */
    public boolean wantsGradients() {
        return outputs.contains(Output.EMBEDDING_GRADIENTS) || outputs.contains(Output.ONE_HOT_GRADIENTS)
                || outputs.contains(Output.ONE_HOT_GRADIENT_SUMS);
    }

    /** The number of groups of {@link Output#ONE_HOT_GRADIENT_SUMS}: 1 without groups, else the largest + 1. */
    public int groupCount() {
        if (groups == null) {
            return 1;
        }
        int max = -1;
        for (int g : groups) {
            max = Math.max(max, g);
        }
        return max + 1;
    }
}
