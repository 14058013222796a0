// Ground truth by sampling on the device: draw, run, count the last-position argmax, with no host round trip per batch.
#pragma once

#include "transformer.h"

namespace lpe {

// Independent per-position categorical distributions, prepared on the model's device.
class PositionSampler {
   public:
    // supports[p] = token ids of position p with their unnormalised weights.
    PositionSampler(const std::vector<std::vector<int64_t>>& ids, const std::vector<std::vector<double>>& weights,
                    uint64_t seed, torch::Device device);

    // Samples first .. first+n-1 as rows [n, positions] of indices into the flat supports (position p, k-th token
    // of its support -> offsets[p] + k); sample i depends only on (seed, i).
    torch::Tensor draw(int64_t first, int64_t n) const;

    // The flat supports: token id and position of each index that draw returns.
    const torch::Tensor& flat_ids() const { return flat_ids_; }
    const torch::Tensor& flat_positions() const { return flat_positions_; }
    int64_t positions() const { return cdf_.size(0); }

   private:
    torch::Tensor cdf_;      // [P, K] float32, padded with 2 (never chosen)
    torch::Tensor offsets_;  // [P, 1] int64: flat index of each position's first token
    torch::Tensor salt_;     // [P, 1] int64 in [0, 2^32)
    torch::Tensor flat_ids_, flat_positions_;  // [N] int64
    torch::Device device_;
};

// Adds to counts[vocab] (int64, on the model's device) the argmax counts of samples first .. first+n-1.
void count_argmax(const Transformer& model, const PositionSampler& sampler, int64_t first, int64_t n, int64_t batch,
                  torch::Tensor& counts);

}  // namespace lpe
