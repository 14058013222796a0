package lpe.engine;

import java.util.Set;

/**
 * The requested outputs ({@link Output} gives each one's shape); a field not asked for is null. Row-aligned with the
 * request, except {@code oneHotGradientSums}, which has one [T][K] block per group.
 */
public record EngineResult(float[][] logits, float[][] activations, float[][][] embeddingGradients, int[] argmax,
        float[] targetLogits, ProposalDraws proposalDraws, float[][][] oneHotGradientSums) {

    public EngineResult(float[][] logits, float[][] activations, float[][][] embeddingGradients) {
        this(logits, activations, embeddingGradients, null, null, null, null);
    }

    /** Each output the request asks for, with no rows ({@code [G][0][]} for the group sums). */
    public static EngineResult empty(EngineRequest request) {
        Set<Output> o = request.outputs();
        return new EngineResult(o.contains(Output.LOGITS) ? new float[0][] : null,
                o.contains(Output.ACTIVATIONS) ? new float[0][] : null,
                o.contains(Output.EMBEDDING_GRADIENTS) ? new float[0][][] : null,
                o.contains(Output.ARGMAX) ? new int[0] : null,
                o.contains(Output.TARGET_LOGIT) ? new float[0] : null,
                o.contains(Output.PROPOSALS) ? new ProposalDraws(new int[0][], new float[0][], new float[0]) : null,
                o.contains(Output.ONE_HOT_GRADIENT_SUMS) ? new float[request.groupCount()][0][] : null);
    }
}
