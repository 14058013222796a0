package lpe.engine;

import java.util.EnumSet;
import java.util.Set;

/**
 * Rows of token ids (all of one length) and what is wanted for them.
 * <ul>
 *   <li>{@code targets[b]}: the logit whose value or gradient row b wants; needed by {@link Output#TARGET_LOGIT} and
 *       every gradient output, else may be null;
 *   <li>{@code columns}: the token ids v of the one-hot gradients h_i(x)(v) ({@link Output#PROPOSALS},
 *       {@link Output#ONE_HOT_GRADIENT_SUMS}), else null;
 *   <li>{@code positions[b]}: the positions of row b where {@link Output#PROPOSALS} draws, the same count for every
 *       row, else null;
 *   <li>{@code groups[b]}: the sum of {@link Output#ONE_HOT_GRADIENT_SUMS} that row b adds to, 0..G−1; null means one
 *       group of all rows;
 *   <li>{@code proposals}: the law, uniforms and reverse columns of {@link Output#PROPOSALS}, else null.
 * </ul>
 */
public record EngineRequest(int[][] tokens, Set<Output> outputs, int[] targets, int[] columns, int[][] positions,
        int[] groups, Proposals proposals) {

    public EngineRequest(int[][] tokens, Set<Output> outputs, int[] targets) {
        this(tokens, outputs, targets, null, null, null, null);
    }

    public int rows() {
        return tokens.length;
    }

    public int length() {
        return tokens.length == 0 ? 0 : tokens[0].length;
    }

    /** Whether any output needs a backward pass from the targets' logits. */
    public boolean wantsGradients() {
        return outputs.contains(Output.EMBEDDING_GRADIENTS) || outputs.contains(Output.PROPOSALS)
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
     * Refuses targets, columns, positions, groups and proposals that do not fit the outputs asked for or the model,
     * naming the field and row. Token ids and row lengths are each engine's own check.
     */
    public void checkOutputFields(int vocabularySize) {
        int rows = rows();
        Set<Output> needTargets = EnumSet.of(Output.TARGET_LOGIT, Output.EMBEDDING_GRADIENTS, Output.PROPOSALS,
                Output.ONE_HOT_GRADIENT_SUMS);
        needTargets.retainAll(outputs);
        if (!needTargets.isEmpty()) {
            if (targets == null || targets.length != rows) {
                throw new IllegalArgumentException("outputs " + needTargets + " need one target per row (" + rows
                        + "), got " + (targets == null ? "none" : targets.length));
            }
            for (int b = 0; b < rows; b++) {
                if (targets[b] < 0 || targets[b] >= vocabularySize) {
                    throw new IllegalArgumentException("target " + targets[b] + " of row " + b + " is outside 0.."
                            + (vocabularySize - 1));
                }
            }
        }
        boolean oneHot = outputs.contains(Output.PROPOSALS);
        boolean sums = outputs.contains(Output.ONE_HOT_GRADIENT_SUMS);
        if (oneHot || sums) {
            if (columns == null || columns.length == 0) {
                throw new IllegalArgumentException("one-hot gradients need columns (the token ids v of h_i(x)(v)), got "
                        + (columns == null ? "none" : "an empty array"));
            }
            for (int k = 0; k < columns.length; k++) {
                if (columns[k] < 0 || columns[k] >= vocabularySize) {
                    throw new IllegalArgumentException("column " + k + " (token id " + columns[k] + ") is outside 0.."
                            + (vocabularySize - 1));
                }
            }
        }
        if (oneHot) {
            checkPositions();
            checkProposals();
        }
        if (sums && groups != null) {
            if (groups.length != rows) {
                throw new IllegalArgumentException("groups has " + groups.length + " entries; expected one per row ("
                        + rows + ")");
            }
            for (int b = 0; b < rows; b++) {
                if (groups[b] < 0) {
                    throw new IllegalArgumentException("group " + groups[b] + " of row " + b
                            + " is negative; groups are 0..G-1");
                }
            }
        }
    }

    private void checkPositions() {
        int rows = rows();
        if (positions == null || positions.length != rows) {
            throw new IllegalArgumentException("PROPOSALS needs positions for each row (" + rows + "), got "
                    + (positions == null ? "none" : positions.length + " rows"));
        }
        for (int b = 0; b < rows; b++) {
            int n = positions[b] == null ? 0 : positions[b].length;
            if (n == 0) {
                throw new IllegalArgumentException("positions of row " + b
                        + " are empty; PROPOSALS needs at least one per row");
            }
            if (n != positions[0].length) {
                throw new IllegalArgumentException("positions of row " + b + " has " + n + " entries; expected "
                        + positions[0].length + " (every row asks for the same number)");
            }
            for (int q = 0; q < n; q++) {
                if (positions[b][q] < 0 || positions[b][q] >= length()) {
                    throw new IllegalArgumentException("position " + positions[b][q] + " of row " + b + " (entry " + q
                            + ") is outside 0.." + (length() - 1) + " (the rows have length " + length() + ")");
                }
            }
        }
    }

    private void checkProposals() {
        int rows = rows();
        if (proposals == null) {
            throw new IllegalArgumentException("PROPOSALS needs proposals (law, uniforms, reverse columns), got none");
        }
        ProposalLaw law = proposals.law();
        if (law.columns() != columns.length || rows > 0 && law.positions() != length()) {
            throw new IllegalArgumentException("the proposal law is [" + law.positions() + "][" + law.columns()
                    + "]; expected [" + length() + " positions][" + columns.length + " columns]");
        }
        float[][] uniforms = proposals.uniforms();
        int[] reverse = proposals.reverseColumns();
        if (uniforms == null || uniforms.length != rows || reverse == null || reverse.length != rows) {
            throw new IllegalArgumentException("PROPOSALS needs one row of uniforms and one reverse column per row ("
                    + rows + "), got " + (uniforms == null ? "no" : uniforms.length) + " and "
                    + (reverse == null ? "no" : reverse.length));
        }
        for (int b = 0; b < rows; b++) {
            if (uniforms[b] == null || uniforms[b].length != positions[b].length) {
                throw new IllegalArgumentException("uniforms of row " + b + " has "
                        + (uniforms[b] == null ? 0 : uniforms[b].length) + " entries; expected one per position ("
                        + positions[b].length + ")");
            }
            for (int q = 0; q < uniforms[b].length; q++) {
                if (!(uniforms[b][q] >= 0 && uniforms[b][q] < 1)) {
                    throw new IllegalArgumentException("uniform " + uniforms[b][q] + " of row " + b + " (entry " + q
                            + ") is outside [0, 1)");
                }
            }
            if (reverse[b] < -1 || reverse[b] >= columns.length) {
                throw new IllegalArgumentException("reverse column " + reverse[b] + " of row " + b + " is outside -1.."
                        + (columns.length - 1) + " (-1: none)");
            }
        }
    }
}
