package lpe.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import lpe.model.Architecture;
import lpe.model.Model;
import lpe.model.ModelConfig;

/**
 * The transformer math, in DJL NDArray operations, for the three supported architectures. It starts from the input
 * embeddings [B, T, D] (so that autograd gives d/d embeddings) and stops at the final-norm activation of the last
 * position [B, D]. The last layer is computed only at the last position (its keys and values still see every
 * position). Names follow the Hugging Face modules:
 *
 * <pre>
 *   llama:    x += attn(rms(x));              x += down(silu(gate(rms(x))) * up(rms(x)))
 *   gpt2:     x += attn(ln1(x));              x += proj(gelu_tanh(fc(ln2(x))))      x0 = emb + wpe
 *   gpt_neox: x += attn(ln1(x)) + mlp(ln2(x))  (parallel residual; sequential when configured)
 * </pre>
 *
 * Attention is causal, scaled by 1/sqrt(headDim), with grouped-query heads (query head h reads key/value head
 * h / (heads / kvHeads)) and rotate_half RoPE on the first rotaryDim dimensions of each head.
 */
final class DjlTransformer {

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    /** y = x · weight [in, out] + bias (bias may be null). */
    record Linear(NDArray weight, NDArray bias) {
        NDArray apply(NDArray x) {
            NDArray y = x.matMul(weight);
            return bias == null ? y : y.add(bias);
        }
    }

    /** RMSNorm when bias is null (Llama; {@code epsilon} is eps as an engine-owned array), LayerNorm otherwise. */
    record Norm(NDArray weight, NDArray bias, double eps, NDArray epsilon) {
        NDArray apply(NDArray x) {
            if (bias == null) {
                NDArray meanSquare = x.square().mean(new int[] {-1}, true);
                return x.div(meanSquare.add(epsilon).sqrt()).mul(weight);
            }
            return LayerNorm.layerNorm(x, weight.getShape(), weight, bias, (float) eps).singletonOrThrow(); // fused torch layer_norm
        }
    }

    /** One transformer layer; gate is null for the non-gated (gpt2, gpt_neox) MLPs. */
    record Block(Norm attnNorm, Linear query, Linear key, Linear value, Linear output,
            Norm mlpNorm, Linear gate, Linear up, Linear down) {}

    private final ModelConfig config;
    private final List<Block> blocks = new ArrayList<>();
    private final Norm finalNorm;
    private final NDArray positionEmbeddings; // gpt2 wpe [context, D]; null otherwise
    private final NDArray ropeCos; // [context, rotaryDim]; null without RoPE
    private final NDArray ropeSin;
    private final NDArray causalMask; // [context, context]: 0 on and below the diagonal, -inf above
    // Constants as engine-owned arrays, never as Java numbers: DJL turns a number operand (x.mul(0.5)) into an array
    // over a direct buffer that it frees right after the forward op, while autograd keeps that array for the backward
    // pass, which then reads freed memory (wrong gradients after a garbage collection; docs/djl-gradient-fault.md).
    private final NDArray attentionScale; // 1/sqrt(headDim)
    private final NDArray geluCubic; // 2·0.044715·√(2/π)
    private final NDArray geluLinear; // 2·√(2/π)

    DjlTransformer(Model model, NDManager manager) {
        this.config = model.config();
        long positions = config.contextLength();
        if (positions * positions > Integer.MAX_VALUE - 8) { // the causal mask and RoPE tables are sized by it
            throw new IllegalArgumentException(model.directory().getFileName() + ": max_position_embeddings " + positions
                    + " is too long for the DJL engine's causal mask (at most 46,340 positions); use the native engine");
        }
        DjlWeights w = new DjlWeights(model, manager);
        int d = config.hiddenSize();
        int qd = config.heads() * config.headDim();
        int kvd = config.kvHeads() * config.headDim();
        int ff = config.intermediateSize();
        double eps = config.normEps();
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(switch (config.architecture()) {
                case LLAMA -> {
                    String p = "model.layers." + i + ".";
                    yield new Block(w.rmsNorm(p + "input_layernorm", d, eps),
                            w.linear(p + "self_attn.q_proj", d, qd), w.linear(p + "self_attn.k_proj", d, kvd),
                            w.linear(p + "self_attn.v_proj", d, kvd), w.linear(p + "self_attn.o_proj", qd, d),
                            w.rmsNorm(p + "post_attention_layernorm", d, eps), w.linear(p + "mlp.gate_proj", d, ff),
                            w.linear(p + "mlp.up_proj", d, ff), w.linear(p + "mlp.down_proj", ff, d));
                }
                case GPT2 -> {
                    String p = "transformer.h." + i + ".";
                    yield new Block(w.layerNorm(p + "ln_1", d, eps), w.conv1dThird(p + "attn.c_attn", d, 0),
                            w.conv1dThird(p + "attn.c_attn", d, 1), w.conv1dThird(p + "attn.c_attn", d, 2),
                            w.conv1d(p + "attn.c_proj", d, d), w.layerNorm(p + "ln_2", d, eps), null,
                            w.conv1d(p + "mlp.c_fc", d, ff), w.conv1d(p + "mlp.c_proj", ff, d));
                }
                case GPT_NEOX -> {
                    String p = "gpt_neox.layers." + i + ".";
                    String qkv = p + "attention.query_key_value";
                    yield new Block(w.layerNorm(p + "input_layernorm", d, eps), w.neoxThird(qkv, d, config.heads(), 0),
                            w.neoxThird(qkv, d, config.heads(), 1), w.neoxThird(qkv, d, config.heads(), 2),
                            w.linear(p + "attention.dense", d, d), w.layerNorm(p + "post_attention_layernorm", d, eps),
                            null, w.linear(p + "mlp.dense_h_to_4h", d, ff), w.linear(p + "mlp.dense_4h_to_h", ff, d));
                }
            });
        }
        finalNorm = switch (config.architecture()) {
            case LLAMA -> w.rmsNorm("model.norm", d, eps);
            case GPT2 -> w.layerNorm("transformer.ln_f", d, eps);
            case GPT_NEOX -> w.layerNorm("gpt_neox.final_layer_norm", d, eps);
        };
        int context = config.contextLength();
        positionEmbeddings = config.architecture() == Architecture.GPT2
                ? w.array(model.weight("transformer.wpe.weight", context, d).data(), context, d)
                : null;
        int rd = config.rotaryDim();
        if (rd > 0) {
            float[][] table = ropeTables(context, rd, config.ropeTheta());
            ropeCos = w.array(table[0], context, rd);
            ropeSin = w.array(table[1], context, rd);
        } else {
            ropeCos = null;
            ropeSin = null;
        }
        float[] mask = new float[context * context];
        for (int i = 0; i < context; i++) {
            for (int j = i + 1; j < context; j++) {
                mask[i * context + j] = Float.NEGATIVE_INFINITY;
            }
        }
        causalMask = w.array(mask, context, context);
        attentionScale = w.array(new float[] {(float) (1.0 / Math.sqrt(config.headDim()))}, 1);
        geluCubic = w.array(new float[] {(float) (2 * 0.044715 * SQRT_2_OVER_PI)}, 1);
        geluLinear = w.array(new float[] {(float) (2 * SQRT_2_OVER_PI)}, 1);
    }

    /** cos and sin of position·θ^(-2i/rd), each frequency repeated for both halves (Hugging Face rotate_half). */
    private static float[][] ropeTables(int context, int rd, double theta) {
        float[] cos = new float[context * rd];
        float[] sin = new float[context * rd];
        for (int i = 0; i < rd / 2; i++) {
            float inverseFrequency = (float) (1.0 / Math.pow(theta, (2.0 * i) / rd)); // float32 as in transformers
            for (int pos = 0; pos < context; pos++) {
                float angle = pos * inverseFrequency;
                cos[pos * rd + i] = cos[pos * rd + i + rd / 2] = (float) Math.cos(angle);
                sin[pos * rd + i] = sin[pos * rd + i + rd / 2] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }

    /** The final-norm activation at the last position, [B, D], from input embeddings [B, T, D]. */
    NDArray lastActivation(NDArray embeddings) {
        NDArray x = embeddings;
        long t = x.getShape().get(1);
        if (positionEmbeddings != null) {
            x = x.add(positionEmbeddings.get(new NDIndex("0:" + t)));
        }
        for (int i = 0; i < blocks.size(); i++) {
            x = block(blocks.get(i), x, i == blocks.size() - 1);
        }
        return finalNorm.apply(x).reshape(x.getShape().get(0), config.hiddenSize());
    }

    /** One layer; with lastOnly the output holds only the last position [B, 1, D]. */
    private NDArray block(Block b, NDArray x, boolean lastOnly) {
        NDArray attention = attention(b, b.attnNorm().apply(x), lastOnly);
        NDArray residual = lastOnly ? x.get(new NDIndex(":, -1:, :")) : x;
        if (config.parallelResidual()) {
            return residual.add(attention).add(mlp(b, b.mlpNorm().apply(residual)));
        }
        NDArray afterAttention = residual.add(attention);
        return afterAttention.add(mlp(b, b.mlpNorm().apply(afterAttention)));
    }

    private NDArray attention(Block b, NDArray h, boolean lastOnly) {
        long batch = h.getShape().get(0);
        long t = h.getShape().get(1);
        long tq = lastOnly ? 1 : t;
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        NDArray hq = lastOnly ? h.get(new NDIndex(":, -1:, :")) : h;
        NDArray q = b.query().apply(hq).reshape(batch, tq, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = b.key().apply(h).reshape(batch, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray v = b.value().apply(h).reshape(batch, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        if (ropeCos != null) {
            q = rope(q, t - tq, t);
            k = rope(k, 0, t);
        }
        // grouped-query attention: [B, kvHeads, group, Tq, hd] against [B, kvHeads, 1, T, hd]
        q = q.reshape(batch, kvHeads, heads / kvHeads, tq, headDim);
        k = k.expandDims(2);
        v = v.expandDims(2);
        NDArray scores = q.matMul(k.transpose(0, 1, 2, 4, 3)).mul(attentionScale);
        if (!lastOnly) {
            scores = scores.add(causalMask.get(new NDIndex("0:" + t + ", 0:" + t)));
        }
        NDArray mixed = scores.softmax(-1).matMul(v); // [B, kvHeads, group, Tq, hd]
        NDArray merged = mixed.reshape(batch, heads, tq, headDim).transpose(0, 2, 1, 3).reshape(batch, tq, (long) heads * headDim);
        return b.output().apply(merged);
    }

    /** Rotates the first rotaryDim dimensions of x [B, H, T', hd] for positions from..to-1 (rotate_half layout). */
    private NDArray rope(NDArray x, long from, long to) {
        int rd = config.rotaryDim();
        NDArray cos = ropeCos.get(new NDIndex(from + ":" + to));
        NDArray sin = ropeSin.get(new NDIndex(from + ":" + to));
        NDArray rotary = x.get(new NDIndex("..., :" + rd));
        NDArray firstHalf = rotary.get(new NDIndex("..., :" + rd / 2));
        NDArray secondHalf = rotary.get(new NDIndex("..., " + rd / 2 + ":"));
        NDArray rotated = secondHalf.neg().concat(firstHalf, -1);
        NDArray out = rotary.mul(cos).add(rotated.mul(sin));
        return rd == config.headDim() ? out : out.concat(x.get(new NDIndex("..., " + rd + ":")), -1);
    }

    private NDArray mlp(Block b, NDArray h) {
        if (b.gate() != null) {
            return b.down().apply(activation(b.gate().apply(h)).mul(b.up().apply(h)));
        }
        return b.down().apply(activation(b.up().apply(h)));
    }

    private NDArray activation(NDArray x) {
        return switch (config.activation()) {
            case "silu" -> x.mul(Activation.sigmoid(x));
            case "relu" -> Activation.relu(x);
            case "gelu" -> Activation.gelu(x); // torch gelu, exact (erf)
            // gelu_new, gelu_pytorch_tanh, gelu_fast: 0.5x(1 + tanh(z)) with z = √(2/π)(x + 0.044715x³),
            // computed as x·sigmoid(2z) (the same function, fewer [B, T, 4D] temporaries)
            default -> x.mul(Activation.sigmoid(x.mul(x.square().mul(geluCubic).add(geluLinear))));
        };
    }
}
