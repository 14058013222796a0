package lpe.bench;

import lpe.model.Architecture;
import lpe.model.ModelConfig;

/**
 * FLOPs of one row's forward pass to the last position's logits, from the model's shape (the FLOP-bound cost that
 * {@code lpe bench server} compares device time with). Per layer and per input token:
 * <pre>
 *   2 · (d·(2·h·d_h + 2·k·d_h) + m·d·d_mlp)     the q, k, v, o projections and the m MLP matrices
 *   + 2 · 2 · T · h·d_h                          attention scores and their weighted sum over all T positions
 * </pre>
 * with d the model width, h heads and k key/value heads of d_h dimensions, m = 2 MLP matrices (3 for llama's gated
 * MLP), then the last position's unembedding, 2·d·V. For the paper's GELU transformer (h·d_h = k·d_h = d) this is
 * L·T·(2·(4·d² + 2·d·d_mlp) + 4·T·d) + 2·d·V: 259.3 MFLOP for 1 layer and 888.8 MFLOP for 4 (T = 33).
 *
 * <p>Decisions: attention is counted over all T positions, not the causal half, and every layer at every position,
 * although the native engine runs the last layer at the last position only and tables the first layer's
 * per-(position, token) work: this is the work of the model, not of one implementation. Norms, activations and
 * softmax are not counted (O(T·d) each).
 */
final class ForwardFlops {

    private ForwardFlops() {}

    static double perRow(ModelConfig c, int length) {
        double d = c.hiddenSize();
        double attentionWidth = (double) c.heads() * c.headDim();
        double kvWidth = (double) c.kvHeads() * c.headDim();
        int mlpMatrices = c.architecture() == Architecture.LLAMA ? 3 : 2;
        double perToken = 2 * (d * (2 * attentionWidth + 2 * kvWidth) + mlpMatrices * d * c.intermediateSize())
                + 2.0 * 2 * length * attentionWidth;
        return c.layers() * length * perToken + 2 * d * c.vocabularySize();
    }
}
