package lpe.engine;

/**
 * Runs batches of token sequences through one loaded model. Estimators see only this interface
 * (through the Batcher, which implements it per job); they never see devices or threads.
 */
public interface Engine {

    /** Sizes the estimators need: vocabulary, model width, longest sequence. */
    ModelShape shape();

    /** Runs every row of the request (all rows have the same length) and returns what it asked for. */
    EngineResult run(EngineRequest request);

    /**
     * Projects vectors onto rows of the input-embedding matrix: {@code out[n][k] = vectors[n] · W_E[ids[k]]}.
     * With embedding gradients as vectors this is the one-hot gradient h_i(x)(v) of docs/methods.md#problem-and-notation.
     */
    float[][] projectOntoEmbeddings(float[][] vectors, int[] ids);

    /** The unembedding as rows: {@code [V][D]}, so that logits = activation · row(v) (no bias). */
    float[][] unembedding();
}
