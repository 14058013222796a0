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

    // Tokens [n, positions] of samples first .. first+n-1; sample i depends only on (seed, i).
    torch::Tensor draw(int64_t first, int64_t n) const;

   private:
    torch::Tensor cdf_;   // [P, K] float32, padded with 2 (never chosen)
    torch::Tensor ids_;   // [P, K] int64
    torch::Tensor salt_;  // [P, 1] int64 in [0, 2^32)
    torch::Device device_;
};

// Adds to counts[vocab] (int64, on the model's device) the argmax counts of samples first .. first+n-1.
void count_argmax(const Transformer& model, const PositionSampler& sampler, int64_t first, int64_t n, int64_t batch,
                  torch::Tensor& counts);

}  // namespace lpe
