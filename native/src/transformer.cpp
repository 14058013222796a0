#include "transformer.h"

#include <torch/version.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace lpe {

namespace {

int64_t parse_int(const std::map<std::string, std::string>& kv, const std::string& key) {
    auto it = kv.find(key);
    if (it == kv.end()) throw std::invalid_argument("config: key '" + key + "' is missing");
    try {
        size_t used = 0;
        long long v = std::stoll(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("trailing characters");
        return v;
    } catch (const std::exception&) {
        throw std::invalid_argument("config: key '" + key + "' is '" + it->second + "'; expected an integer");
    }
}

double parse_double(const std::map<std::string, std::string>& kv, const std::string& key) {
    auto it = kv.find(key);
    if (it == kv.end()) throw std::invalid_argument("config: key '" + key + "' is missing");
    try {
        return std::stod(it->second);
    } catch (const std::exception&) {
        throw std::invalid_argument("config: key '" + key + "' is '" + it->second + "'; expected a number");
    }
}

std::string shape_string(at::IntArrayRef shape) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < shape.size(); i++) s << (i ? ", " : "") << shape[i];
    s << "]";
    return s.str();
}

torch::Tensor rotate_half(const torch::Tensor& x) {
    int64_t half = x.size(-1) / 2;
    return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

}  // namespace

Config Config::parse(const std::string& text) {
    std::map<std::string, std::string> kv;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("config: line '" + line + "' is not key=value");
        kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    Config c;
    auto arch = kv.find("arch");
    if (arch == kv.end()) throw std::invalid_argument("config: key 'arch' is missing");
    c.arch = arch->second;
    if (c.arch != "llama" && c.arch != "gpt2" && c.arch != "gpt_neox")
        throw std::invalid_argument("config: arch '" + c.arch + "' is not supported; expected llama, gpt2 or gpt_neox");
    c.vocab = parse_int(kv, "vocab");
    c.hidden = parse_int(kv, "hidden");
    c.layers = parse_int(kv, "layers");
    c.heads = parse_int(kv, "heads");
    c.kv_heads = parse_int(kv, "kv_heads");
    c.head_dim = parse_int(kv, "head_dim");
    c.intermediate = parse_int(kv, "intermediate");
    c.context = parse_int(kv, "context");
    c.norm_eps = parse_double(kv, "norm_eps");
    c.rope_theta = parse_double(kv, "rope_theta");
    c.rotary_dim = parse_int(kv, "rotary_dim");
    c.tied = parse_int(kv, "tied") != 0;
    c.parallel_residual = parse_int(kv, "parallel_residual") != 0;
    auto act = kv.find("activation");
    if (act == kv.end()) throw std::invalid_argument("config: key 'activation' is missing");
    c.activation = act->second;
    static const char* activations[] = {"silu", "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"};
    bool known = false;
    for (auto a : activations) known |= c.activation == a;
    if (!known) throw std::invalid_argument("config: activation '" + c.activation + "' is not supported");
    if (c.vocab <= 0 || c.hidden <= 0 || c.layers <= 0 || c.heads <= 0 || c.kv_heads <= 0 || c.head_dim <= 0 ||
        c.intermediate <= 0 || c.context <= 0)
        throw std::invalid_argument("config: vocab, hidden, layers, heads, kv_heads, head_dim, intermediate and context must be positive");
    if (c.heads % c.kv_heads != 0) throw std::invalid_argument("config: heads must be a multiple of kv_heads");
    if (c.rotary_dim < 0 || c.rotary_dim > c.head_dim || c.rotary_dim % 2 != 0)
        throw std::invalid_argument("config: rotary_dim must be even and between 0 and head_dim");
    return c;
}

Transformer::Transformer(Config config, torch::Device device, torch::ScalarType dtype)
    : config_(std::move(config)), device_(device), dtype_(dtype) {}

void Transformer::add(const std::string& name, const torch::Tensor& host) {
    pending_[name] = host.to(device_, dtype_, /*non_blocking=*/false, /*copy=*/true);
}

torch::Tensor Transformer::take(const std::string& name, std::vector<int64_t> shape, bool required) {
    auto it = pending_.find(name);
    const std::string prefix = "transformer.";  // some gpt2 checkpoints omit it
    if (it == pending_.end() && name.compare(0, prefix.size(), prefix) == 0) it = pending_.find(name.substr(prefix.size()));
    if (it == pending_.end()) {
        if (required) throw std::invalid_argument("tensor '" + name + "' is missing; expected shape " + shape_string(shape));
        return {};
    }
    if (it->second.sizes() != at::IntArrayRef(shape))
        throw std::invalid_argument("tensor '" + name + "' has shape " + shape_string(it->second.sizes()) +
                                    "; expected " + shape_string(shape));
    torch::Tensor t = it->second;
    pending_.erase(it);
    return t;
}

void Transformer::finish() {
    const Config& c = config_;
    const int64_t D = c.hidden, V = c.vocab, H = c.heads, KV = c.kv_heads, hd = c.head_dim, I = c.intermediate;
    // Tensors are on the device already (add); views (transposes, narrows, selects) become contiguous here.
    auto packed = [&](const torch::Tensor& t) { return t.defined() ? t.contiguous() : t; };
    auto both = [&](const torch::Tensor& a, const torch::Tensor& b, const std::string& what) -> torch::Tensor {
        if (a.defined() != b.defined()) throw std::invalid_argument(what + ": only one of the k and v biases is present");
        return a.defined() ? torch::cat({a, b}, 0) : a;
    };
    torch::Tensor unembedding;
    if (c.arch == "llama") {
        embedding_ = take("model.embed_tokens.weight", {V, D});
        for (int64_t i = 0; i < c.layers; i++) {
            std::string p = "model.layers." + std::to_string(i) + ".";
            Layer l;
            l.norm1_w = take(p + "input_layernorm.weight", {D});
            l.norm2_w = take(p + "post_attention_layernorm.weight", {D});
            l.wq = take(p + "self_attn.q_proj.weight", {H * hd, D});
            l.bq = take(p + "self_attn.q_proj.bias", {H * hd}, false);
            l.wkv = torch::cat({take(p + "self_attn.k_proj.weight", {KV * hd, D}), take(p + "self_attn.v_proj.weight", {KV * hd, D})}, 0);
            l.bkv = both(take(p + "self_attn.k_proj.bias", {KV * hd}, false), take(p + "self_attn.v_proj.bias", {KV * hd}, false), p);
            l.wo = take(p + "self_attn.o_proj.weight", {D, H * hd});
            l.bo = take(p + "self_attn.o_proj.bias", {D}, false);
            l.w_up = torch::cat({take(p + "mlp.gate_proj.weight", {I, D}), take(p + "mlp.up_proj.weight", {I, D})}, 0);
            l.w_down = take(p + "mlp.down_proj.weight", {D, I});
            layers_.push_back(l);
        }
        final_w_ = take("model.norm.weight", {D});
        unembedding = c.tied ? embedding_ : take("lm_head.weight", {V, D});
    } else if (c.arch == "gpt2") {
        embedding_ = take("transformer.wte.weight", {V, D});
        positions_ = take("transformer.wpe.weight", {c.context, D});
        for (int64_t i = 0; i < c.layers; i++) {
            std::string p = "transformer.h." + std::to_string(i) + ".";
            Layer l;
            l.norm1_w = take(p + "ln_1.weight", {D});
            l.norm1_b = take(p + "ln_1.bias", {D});
            l.norm2_w = take(p + "ln_2.weight", {D});
            l.norm2_b = take(p + "ln_2.bias", {D});
            torch::Tensor qkv = take(p + "attn.c_attn.weight", {D, 3 * D}).t();  // Conv1D stores [in, out]
            torch::Tensor qkv_b = take(p + "attn.c_attn.bias", {3 * D});
            l.wq = qkv.narrow(0, 0, D);
            l.bq = qkv_b.narrow(0, 0, D);
            l.wkv = qkv.narrow(0, D, 2 * D);
            l.bkv = qkv_b.narrow(0, D, 2 * D);
            l.wo = take(p + "attn.c_proj.weight", {D, D}).t();
            l.bo = take(p + "attn.c_proj.bias", {D});
            l.w_up = take(p + "mlp.c_fc.weight", {D, I}).t();
            l.b_up = take(p + "mlp.c_fc.bias", {I});
            l.w_down = take(p + "mlp.c_proj.weight", {I, D}).t();
            l.b_down = take(p + "mlp.c_proj.bias", {D});
            layers_.push_back(l);
        }
        final_w_ = take("transformer.ln_f.weight", {D});
        final_b_ = take("transformer.ln_f.bias", {D});
        unembedding = c.tied ? embedding_ : take("lm_head.weight", {V, D});
    } else {  // gpt_neox
        embedding_ = take("gpt_neox.embed_in.weight", {V, D});
        for (int64_t i = 0; i < c.layers; i++) {
            std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
            Layer l;
            l.norm1_w = take(p + "input_layernorm.weight", {D});
            l.norm1_b = take(p + "input_layernorm.bias", {D});
            l.norm2_w = take(p + "post_attention_layernorm.weight", {D});
            l.norm2_b = take(p + "post_attention_layernorm.bias", {D});
            // query_key_value rows are per head [q(hd), k(hd), v(hd)].
            torch::Tensor qkv = take(p + "attention.query_key_value.weight", {3 * D, D}).view({H, 3, hd, D});
            torch::Tensor qkv_b = take(p + "attention.query_key_value.bias", {3 * D}).view({H, 3, hd});
            l.wq = qkv.select(1, 0).reshape({D, D});
            l.bq = qkv_b.select(1, 0).reshape({D});
            l.wkv = torch::cat({qkv.select(1, 1).reshape({D, D}), qkv.select(1, 2).reshape({D, D})}, 0);
            l.bkv = torch::cat({qkv_b.select(1, 1).reshape({D}), qkv_b.select(1, 2).reshape({D})}, 0);
            l.wo = take(p + "attention.dense.weight", {D, D});
            l.bo = take(p + "attention.dense.bias", {D});
            l.w_up = take(p + "mlp.dense_h_to_4h.weight", {I, D});
            l.b_up = take(p + "mlp.dense_h_to_4h.bias", {I});
            l.w_down = take(p + "mlp.dense_4h_to_h.weight", {D, I});
            l.b_down = take(p + "mlp.dense_4h_to_h.bias", {D});
            layers_.push_back(l);
        }
        final_w_ = take("gpt_neox.final_layer_norm.weight", {D});
        final_b_ = take("gpt_neox.final_layer_norm.bias", {D});
        // Pythia checkpoints name the unembedding embed_out; transformers 5 writes lm_head.
        unembedding = c.tied ? embedding_ : take("embed_out.weight", {V, D}, pending_.count("lm_head.weight") == 0);
        if (!unembedding.defined()) unembedding = take("lm_head.weight", {V, D});
    }
    for (Layer& l : layers_) {
        for (torch::Tensor* t : {&l.norm1_w, &l.norm1_b, &l.norm2_w, &l.norm2_b, &l.wq, &l.bq, &l.wkv, &l.bkv, &l.wo,
                                 &l.bo, &l.w_up, &l.b_up, &l.w_down, &l.b_down})
            *t = packed(*t);
    }
    bool share = unembedding.is_same(embedding_);
    embedding_ = packed(embedding_);
    unembedding_ = share ? embedding_ : packed(unembedding);
    // The logits' GEMM gets an output row length that is a multiple of 64: with the paper's vocabulary (48262, not a
    // multiple of 8) cuBLAS fell back to an Ampere kernel (cutlass_80 ... s16816gemm) at 227 TFLOP/s in bf16, 54% of
    // a ground-truth batch on the H200 (tools/gpu/profile_native.py); aligned, it takes the Hopper kernels. The zero
    // rows' logits are cut off before anyone sees them.
    const int64_t padded = (c.vocab + 63) / 64 * 64;
    unembedding_padded_ = padded == c.vocab ? unembedding_
                                            : torch::cat({unembedding_, unembedding_.new_zeros({padded - c.vocab, D})});
    positions_ = packed(positions_);
    final_w_ = packed(final_w_);
    final_b_ = packed(final_b_);
    if (c.rotary_dim > 0) {
        torch::Tensor inv_freq =
            1.0 / torch::pow(c.rope_theta, torch::arange(0, c.rotary_dim, 2, torch::kInt64).to(torch::kFloat) / c.rotary_dim);
        torch::Tensor freqs = torch::outer(torch::arange(c.context, torch::kInt64).to(torch::kFloat), inv_freq);
        torch::Tensor emb = torch::cat({freqs, freqs}, -1);
        cos_ = emb.cos().to(device_, dtype_);
        sin_ = emb.sin().to(device_, dtype_);
    }
    pending_.clear();  // tensors the architecture does not use (e.g. gpt2's attn.bias masks) are dropped
}

torch::Tensor Transformer::embed(const torch::Tensor& tokens) const {
    return embedding_.index_select(0, tokens.reshape({-1})).view({tokens.size(0), tokens.size(1), config_.hidden});
}

torch::Tensor Transformer::linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) const {
    return b.defined() ? torch::linear(x, w, b) : torch::linear(x, w);
}

torch::Tensor Transformer::norm(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) const {
    if (config_.arch == "llama") {  // RMSNorm, computed in float32 as Hugging Face does
        torch::Tensor xf = x.to(torch::kFloat);
        xf = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + config_.norm_eps);
        return w * xf.to(dtype_);
    }
    return torch::layer_norm(x, {config_.hidden}, w, b, config_.norm_eps);
}

torch::Tensor Transformer::activate(const torch::Tensor& x) const {
    const std::string& a = config_.activation;
    if (a == "silu") return torch::silu(x);
    if (a == "gelu") return torch::gelu(x);
    if (a == "relu") return torch::relu(x);
    return torch::gelu(x, "tanh");  // gelu_new, gelu_pytorch_tanh, gelu_fast
}

torch::Tensor Transformer::rope(const torch::Tensor& x, int64_t first_position) const {
    // x: [B, heads, T, head_dim]; rotates the first rotary_dim dimensions (Hugging Face's rotate_half convention).
    const int64_t rd = config_.rotary_dim, T = x.size(2);
    torch::Tensor cos = cos_.narrow(0, first_position, T), sin = sin_.narrow(0, first_position, T);
    if (rd == x.size(-1)) return x * cos + rotate_half(x) * sin;
    torch::Tensor rot = x.narrow(-1, 0, rd), pass = x.narrow(-1, rd, x.size(-1) - rd);
    return torch::cat({rot * cos + rotate_half(rot) * sin, pass}, -1);
}

torch::Tensor Transformer::rope_at(const torch::Tensor& x, const torch::Tensor& positions) const {
    // x: [N, heads, head_dim], row i at positions[i].
    const int64_t rd = config_.rotary_dim;
    torch::Tensor cos = cos_.index_select(0, positions).unsqueeze(1), sin = sin_.index_select(0, positions).unsqueeze(1);
    if (rd == x.size(-1)) return x * cos + rotate_half(x) * sin;
    torch::Tensor rot = x.narrow(-1, 0, rd), pass = x.narrow(-1, rd, x.size(-1) - rd);
    return torch::cat({rot * cos + rotate_half(rot) * sin, pass}, -1);
}

torch::Tensor Transformer::attention(const Layer& l, const torch::Tensor& h, bool last_only) const {
    const int64_t B = h.size(0), T = h.size(1), H = config_.heads, KV = config_.kv_heads, hd = config_.head_dim;
    const int64_t Tq = last_only ? 1 : T;
    torch::Tensor q = linear(last_only ? h.narrow(1, T - 1, 1) : h, l.wq, l.bq).view({B, Tq, H, hd}).transpose(1, 2);
    torch::Tensor kv = linear(h, l.wkv, l.bkv);
    torch::Tensor k = kv.narrow(-1, 0, KV * hd).view({B, T, KV, hd}).transpose(1, 2);
    torch::Tensor v = kv.narrow(-1, KV * hd, KV * hd).view({B, T, KV, hd}).transpose(1, 2);
    if (config_.rotary_dim > 0) {
        q = rope(q, T - Tq);
        k = rope(k, 0);
    }
    return attend(l, q, k, v, !last_only && T > 1);
}

torch::Tensor Transformer::attend(const Layer& l, torch::Tensor q, torch::Tensor k, torch::Tensor v, bool causal) const {
    // q: [B, H, Tq, hd]; k, v: [B, KV, T, hd]; returns the output projection [B, Tq, D].
    const int64_t B = q.size(0), Tq = q.size(2), H = config_.heads, KV = config_.kv_heads, hd = config_.head_dim;
    if (KV < H) {
        k = k.repeat_interleave(H / KV, 1);
        v = v.repeat_interleave(H / KV, 1);
    }
#if TORCH_VERSION_MAJOR >= 2
    torch::Tensor o = at::scaled_dot_product_attention(q, k, v, {}, 0.0, causal);
#else
    torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
    if (causal) {
        const int64_t T = k.size(2);
        torch::Tensor mask = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(q.device())).triu(1);
        scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
    }
    torch::Tensor o = torch::matmul(torch::softmax(scores, -1), v);
#endif
    return linear(o.transpose(1, 2).reshape({B, Tq, H * hd}), l.wo, l.bo);
}

torch::Tensor Transformer::mlp(const Layer& l, const torch::Tensor& h) const {
    if (config_.arch == "llama") {
        auto gate_up = linear(h, l.w_up, l.b_up).chunk(2, -1);
        return linear(activate(gate_up[0]) * gate_up[1], l.w_down, l.b_down);
    }
    return linear(activate(linear(h, l.w_up, l.b_up)), l.w_down, l.b_down);
}

torch::Tensor Transformer::layer_forward(const Layer& l, const torch::Tensor& x, bool last_only) const {
    return residual(l, x, attention(l, norm(x, l.norm1_w, l.norm1_b), last_only), last_only);
}

torch::Tensor Transformer::residual(const Layer& l, const torch::Tensor& x, const torch::Tensor& a, bool last_only) const {
    torch::Tensor xr = last_only ? x.narrow(1, x.size(1) - 1, 1) : x;
    if (config_.parallel_residual) return xr + a + mlp(l, norm(xr, l.norm2_w, l.norm2_b));
    torch::Tensor h = xr + a;
    return h + mlp(l, norm(h, l.norm2_w, l.norm2_b));
}

torch::Tensor Transformer::last_activations(const torch::Tensor& embeddings) const {
    const int64_t T = embeddings.size(1);
    if (T < 1 || T > config_.context)
        throw std::invalid_argument("sequence length " + std::to_string(T) + " is outside 1.." + std::to_string(config_.context) +
                                    " (the model's context length)");
    torch::Tensor x = positions_.defined() ? embeddings + positions_.narrow(0, 0, T) : embeddings;
    for (size_t i = 0; i < layers_.size(); i++) x = layer_forward(layers_[i], x, i + 1 == layers_.size());
    return norm(x.squeeze(1), final_w_, final_b_);
}

torch::Tensor Transformer::logits(const torch::Tensor& activations) const {
    return torch::linear(activations, unembedding_padded_).narrow(-1, 0, config_.vocab).to(torch::kFloat);
}

torch::Tensor Transformer::argmax(const torch::Tensor& activations) const {
    return torch::linear(activations, unembedding_padded_).narrow(-1, 0, config_.vocab).argmax(-1);
}

FirstLayerTable Transformer::first_layer_table(const torch::Tensor& ids, const torch::Tensor& positions) const {
    const int64_t N = ids.size(0), H = config_.heads, KV = config_.kv_heads, hd = config_.head_dim;
    const Layer& l = layers_.front();
    FirstLayerTable t;
    t.x = embedding_.index_select(0, ids);
    if (positions_.defined()) t.x = t.x + positions_.index_select(0, positions);
    torch::Tensor h = norm(t.x, l.norm1_w, l.norm1_b);
    t.q = linear(h, l.wq, l.bq);
    t.kv = linear(h, l.wkv, l.bkv);
    if (config_.rotary_dim > 0) {
        t.q = rope_at(t.q.view({N, H, hd}), positions).reshape({N, H * hd});
        torch::Tensor k = rope_at(t.kv.narrow(-1, 0, KV * hd).reshape({N, KV, hd}), positions).reshape({N, KV * hd});
        t.kv = torch::cat({k, t.kv.narrow(-1, KV * hd, KV * hd)}, -1);
    }
    return t;
}

torch::Tensor Transformer::last_activations(const FirstLayerTable& table, const torch::Tensor& rows) const {
    const int64_t B = rows.size(0), T = rows.size(1), H = config_.heads, KV = config_.kv_heads, hd = config_.head_dim;
    const bool last_only = layers_.size() == 1;
    torch::Tensor flat = rows.reshape({-1});
    torch::Tensor x = table.x.index_select(0, flat).view({B, T, config_.hidden});
    torch::Tensor q_rows = last_only ? rows.select(1, T - 1).contiguous() : flat;
    torch::Tensor q = table.q.index_select(0, q_rows).view({B, last_only ? 1 : T, H, hd}).transpose(1, 2);
    torch::Tensor kv = table.kv.index_select(0, flat).view({B, T, 2 * KV * hd});
    torch::Tensor k = kv.narrow(-1, 0, KV * hd).view({B, T, KV, hd}).transpose(1, 2);
    torch::Tensor v = kv.narrow(-1, KV * hd, KV * hd).view({B, T, KV, hd}).transpose(1, 2);
    x = residual(layers_.front(), x, attend(layers_.front(), q, k, v, !last_only && T > 1), last_only);
    for (size_t i = 1; i < layers_.size(); i++) x = layer_forward(layers_[i], x, i + 1 == layers_.size());
    return norm(x.squeeze(1), final_w_, final_b_);
}

}  // namespace lpe
