package lpe.engine;

import java.util.Set;

/**
 * Rows of token ids (all of one length) and what is wanted for them. {@code targets[b]} names the logit whose
 * gradient row b wants; it may be null when {@link Output#EMBEDDING_GRADIENTS} is not asked for.
 */
public record EngineRequest(int[][] tokens, Set<Output> outputs, int[] targets) {

    public int rows() {
        return tokens.length;
    }

    public int length() {
        return tokens.length == 0 ? 0 : tokens[0].length;
    }
}
