package lpe.engine;

/** The requested tensors, row-aligned with the request; a field not asked for is null. */
public record EngineResult(float[][] logits, float[][] activations, float[][][] embeddingGradients) {}
