// The estimators' pass (ITGIS, MHIS): one forward, at most one backward, and the reductions they use, on the device.
#pragma once

#include "transformer.h"

namespace lpe {

// What one pass is asked for; tensors are int64 on the model's device, undefined where not needed.
struct EstimatorPassRequest {
    torch::Tensor tokens;     // [B, T]
    torch::Tensor targets;    // [B]: needed by target_logits, proposals and one_hot_sums
    torch::Tensor columns;    // [K]: the token ids v of h_i(x)(v); needed by proposals and one_hot_sums
    torch::Tensor positions;  // [B, Q]: needed by proposals
    torch::Tensor log_priors;       // [T, K] float32: needed by proposals
    torch::Tensor uniforms;         // [B, Q] float32 in [0, 1): needed by proposals
    torch::Tensor reverse_columns;  // [B] in -1..K-1: needed by proposals
    double temperature = 1;         // > 0: needed by proposals
    torch::Tensor groups;     // [B] in 0..n_groups-1, or undefined: every row in group 0
    int64_t n_groups = 0;     // > 0 when one_hot_sums is asked for
    bool logits = false, argmax = false, target_logits = false, proposals = false, one_hot_sums = false;
};

// The asked-for outputs, on the device (undefined where not asked for): logits [B, V] float32, argmax [B] int64,
// target_logits [B] float32, proposal_columns [B, Q] int64 (-1 at a fixed position), proposal_log_probs [B, Q] and
// reverse_log_probs [B] float32, one_hot_sums [n_groups, T, K] float32.
struct EstimatorPassResult {
    torch::Tensor logits, argmax, target_logits, proposal_columns, proposal_log_probs, reverse_log_probs, one_hot_sums;
};

// Runs the pass; the request must already be checked (ids in range, shapes consistent).
EstimatorPassResult run_estimator_pass(const Transformer& model, const EstimatorPassRequest& request);

}  // namespace lpe
