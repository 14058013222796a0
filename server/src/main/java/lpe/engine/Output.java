package lpe.engine;

/**
 * What an {@link EngineRequest} may ask for. The first three are whole tensors; the others are what ITGIS and MHIS
 * actually use, reduced on the device so that a batch of rows of a model with a large vocabulary moves kilobytes, not
 * the [B][V] logits and [B][T][D] gradients, between the device and Java.
 *
 * <p>Notation (docs/methods.md#problem-and-notation): g_i(x) = d logit[t] / d input-embedding at position i, for the row's target t; the
 * one-hot gradient h_i(x)(v) = W_E[v] · g_i(x).
 */
public enum Output {
    /** Next-token logits at the last position, [B][V]. */
    LOGITS(Sharing.SAME_TOKENS),
    /** The final-norm output at the last position (the input of the unembedding), [B][D]. */
    ACTIVATIONS(Sharing.SAME_TOKENS),
    /** g_i(x) for every position i, [B][T][D]. */
    EMBEDDING_GRADIENTS(Sharing.SAME_TOKENS_AND_TARGET),
    /** The last-position argmax token, ties to the lowest id, [B]. */
    ARGMAX(Sharing.SAME_TOKENS),
    /** The last-position logit of the row's target, [B]. */
    TARGET_LOGIT(Sharing.SAME_TOKENS_AND_TARGET),
    /**
     * MHIS's proposal ({@link ProposalLaw}) at the row's requested positions i = positions[b][q]: a draw from
     * φ_i(· | x) ∝ p_i(v)·exp(h_i(x)(v)/T) over v = columns[k] with the row's uniforms, its log-probability, and log φ
     * of the row's reverse column at its first position ({@link ProposalDraws}). Only these few numbers per row
     * leave the device, not the [B][Q][K] one-hot gradients they come from.
     */
    PROPOSALS(Sharing.NEVER),
    /** Σ over the rows b of group g of h_i(x_b)(v), for every position i and v = columns[k]: [G][T][K] (ITGIS). */
    ONE_HOT_GRADIENT_SUMS(Sharing.NEVER);

    /**
     * When two rows of one device batch (of one job or several) may run once and both take that row's output. An
     * output that reads {@code targets[b]} is at least {@link #SAME_TOKENS_AND_TARGET}.
     */
    public enum Sharing {
        /** Rows with the same tokens. */
        SAME_TOKENS,
        /** Rows with the same tokens and the same target. */
        SAME_TOKENS_AND_TARGET,
        /** Never: each row draws with its own uniforms, or adds itself to a sum. */
        NEVER;

        /** The stricter of the two. */
        public Sharing and(Sharing other) {
            return compareTo(other) >= 0 ? this : other;
        }
    }

    private final Sharing sharing;

    Output(Sharing sharing) {
        this.sharing = sharing;
    }

    public Sharing sharing() {
        return sharing;
    }
}
