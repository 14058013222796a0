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

    /**
     * Refuses targets, columns, positions and groups that do not fit the outputs asked for or the model, naming the
     * field and row. Token ids and row lengths are each engine's own check.
     */
    public void checkOutputFields(int vocabularySize) {
        int rows = rows();
        boolean oneHot = outputs.contains(Output.ONE_HOT_GRADIENTS);
        boolean sums = outputs.contains(Output.ONE_HOT_GRADIENT_SUMS);
        if (wantsGradients() || outputs.contains(Output.TARGET_LOGIT)) {
            if (targets == null || targets.length != rows) {
                throw new IllegalArgumentException(outputs + " need one target per row: got "
                        + (targets == null ? "none" : targets.length) + " for " + rows + " rows");
            }
            for (int b = 0; b < rows; b++) {
                checkId(targets[b], vocabularySize, "target of row " + b);
            }
        }
        if (oneHot || sums) {
            if (columns == null || columns.length == 0) {
                throw new IllegalArgumentException("one-hot gradients need the columns (token ids) to project onto");
            }
            for (int k = 0; k < columns.length; k++) {
                checkId(columns[k], vocabularySize, "columns[" + k + "]");
            }
        }
        if (oneHot) {
            if (positions == null || positions.length != rows) {
                throw new IllegalArgumentException("ONE_HOT_GRADIENTS needs positions for each of the " + rows + " rows");
            }
            for (int b = 0; b < rows; b++) {
                if (positions[b] == null || positions[b].length == 0 || positions[b].length != positions[0].length) {
                    throw new IllegalArgumentException("row " + b + " asks for " + (positions[b] == null ? 0 : positions[b].length)
                            + " positions; every row needs the same non-zero count");
                }
                for (int i : positions[b]) {
                    if (i < 0 || i >= length()) {
                        throw new IllegalArgumentException("row " + b + " asks for position " + i + "; positions are in [0, " + length() + ")");
                    }
                }
            }
        }
        if (sums && groups != null) {
            if (groups.length != rows) {
                throw new IllegalArgumentException("groups has " + groups.length + " entries for " + rows + " rows");
            }
            for (int b = 0; b < rows; b++) {
                if (groups[b] < 0) {
                    throw new IllegalArgumentException("row " + b + " is in group " + groups[b] + "; groups are >= 0");
                }
            }
        }
    }

    private static void checkId(int id, int vocabularySize, String where) {
        if (id < 0 || id >= vocabularySize) {
            throw new IllegalArgumentException(where + ": token id " + id + " is outside the vocabulary [0, " + vocabularySize + ")");
        }
    }
}
