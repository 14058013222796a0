package lpe.engine;

/** What an {@link EngineRequest} may ask for. */
public enum Output {
    /** Next-token logits at the last position, [B][V]. */
    LOGITS,
    /** The final-norm output at the last position (the input of the unembedding), [B][D]. */
    ACTIVATIONS,
    /** d logit[target[b]] / d input-embedding, for every position, [B][T][D]. */
    EMBEDDING_GRADIENTS
}
