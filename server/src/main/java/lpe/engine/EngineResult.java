package lpe.engine;

/**
 * The requested outputs ({@link Output} gives each one's shape); a field not asked for is null. Row-aligned with the
 * request, except {@code oneHotGradientSums}, which has one [T][K] block per group.
 */
public record EngineResult(float[][] logits, float[][] activations, float[][][] embeddingGradients, int[] argmax,
        float[] targetLogits, float[][][] oneHotGradients, float[][][] oneHotGradientSums) {

    public EngineResult(float[][] logits, float[][] activations, float[][][] embeddingGradients) {
        this(logits, activations, embeddingGradients, null, null, null, null);
    }
}
