// The transformer forward pass of the three supported Hugging Face architectures, on libtorch.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace lpe {

// The numbers Java passes from lpe.model.ModelConfig (see lpe_native.h for the keys).
struct Config {
    std::string arch;
    int64_t vocab = 0, hidden = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0, intermediate = 0, context = 0;
    double norm_eps = 1e-5, rope_theta = 10000.0;
    int64_t rotary_dim = 0;
    bool tied = false, parallel_residual = false;
    std::string activation;

    static Config parse(const std::string& text);
};

// One decoder layer, with every architecture's weights brought to nn.Linear layout [out, in].
struct Layer {
    torch::Tensor norm1_w, norm1_b, norm2_w, norm2_b;
    torch::Tensor wq, bq, wkv, bkv, wo, bo;  // wkv = [k; v] rows
    torch::Tensor w_up, b_up, w_down, b_down;  // llama: w_up = [gate; up] rows
};

// The first layer's inputs that depend only on (position, token), for every pair a ground-truth run can draw: the
// residual stream x (embedding, plus the learned position if any), and the first layer's query and key/value
// projections with RoPE applied at that position. Rows are indexed like PositionSampler's flat supports.
struct FirstLayerTable {
    torch::Tensor x, q, kv;
};

class Transformer {
   public:
    Transformer(Config config, torch::Device device, torch::ScalarType dtype);

    // Copies a checkpoint tensor (host F32, the caller's memory) to the device in the model's dtype at once, under its
    // Hugging Face name: loading holds one tensor on the host at a time, and a model too large for the device fails
    // here with CUDA's out-of-memory error rather than after the host has held all of it.
    void add(const std::string& name, const torch::Tensor& host);
    // Builds the layers from the stored tensors; throws naming any missing or misshapen tensor.
    void finish();

    const Config& config() const { return config_; }
    torch::Device device() const { return device_; }
    torch::ScalarType dtype() const { return dtype_; }
    const torch::Tensor& embedding() const { return embedding_; }
    const torch::Tensor& unembedding() const { return unembedding_; }

    // Input embeddings [B, T, D] of token ids [B, T] (int64 on the device).
    torch::Tensor embed(const torch::Tensor& tokens) const;
    // The final-norm activations at the last position [B, D] from input embeddings [B, T, D]. The last layer is
    // computed for the last position only (its keys and values still cover every position).
    torch::Tensor last_activations(const torch::Tensor& embeddings) const;
    // Logits [B, V] in float32 from activations [B, D].
    torch::Tensor logits(const torch::Tensor& activations) const;
    // The argmax token [B] of activations [B, D], on logits in the model's own precision.
    torch::Tensor argmax(const torch::Tensor& activations) const;

    // The first-layer table for token ids[i] at positions[i] (both int64 on the device).
    FirstLayerTable first_layer_table(const torch::Tensor& ids, const torch::Tensor& positions) const;
    // last_activations for rows of table indices [B, T] (row b, position t uses table row rows[b][t]).
    torch::Tensor last_activations(const FirstLayerTable& table, const torch::Tensor& rows) const;

   private:
    torch::Tensor take(const std::string& name, std::vector<int64_t> shape, bool required = true);
    torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) const;
    torch::Tensor norm(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) const;
    torch::Tensor activate(const torch::Tensor& x) const;
    torch::Tensor rope(const torch::Tensor& x, int64_t first_position) const;
    torch::Tensor rope_at(const torch::Tensor& x, const torch::Tensor& positions) const;
    torch::Tensor attention(const Layer& layer, const torch::Tensor& h, bool last_only) const;
    torch::Tensor attend(const Layer& layer, torch::Tensor q, torch::Tensor k, torch::Tensor v, bool causal) const;
    torch::Tensor residual(const Layer& layer, const torch::Tensor& x, const torch::Tensor& a, bool last_only) const;
    torch::Tensor mlp(const Layer& layer, const torch::Tensor& h) const;
    torch::Tensor layer_forward(const Layer& layer, const torch::Tensor& x, bool last_only) const;

    Config config_;
    torch::Device device_;
    torch::ScalarType dtype_;
    std::map<std::string, torch::Tensor> pending_;
    std::vector<Layer> layers_;
    torch::Tensor embedding_, positions_, final_w_, final_b_, unembedding_, unembedding_padded_, cos_, sin_;
};

}  // namespace lpe
