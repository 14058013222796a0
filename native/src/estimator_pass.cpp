#include "estimator_pass.h"

#include <limits>

namespace lpe {

namespace {

// MHIS's proposal from the one-hot gradients h [B, Q, K] at the rows' positions (lpe_native.h states the law): the
// draws by inverse CDF, their log-probabilities and the reverse columns', so that [B, Q, K] never leaves the device.
void draw_proposals(const torch::Tensor& h, const EstimatorPassRequest& p, EstimatorPassResult& out) {
    const int64_t K = h.size(2);
    torch::Tensor w = p.log_priors.index_select(0, p.positions.flatten()).view_as(h) + h / p.temperature;
    torch::Tensor proposable = w > -std::numeric_limits<float>::infinity();
    torch::Tensor fixed = proposable.logical_not().all(-1);  // [B, Q]
    torch::Tensor log_phi = w - torch::logsumexp(w, -1, true).masked_fill(fixed.unsqueeze(-1), 0);
    torch::Tensor cdf = log_phi.exp().cumsum(-1);
    torch::Tensor u = (p.uniforms * cdf.select(-1, K - 1)).unsqueeze(-1);  // the total, not 1: rounding
    torch::Tensor drawn = torch::searchsorted(cdf, u, /*out_int32=*/false, /*right=*/true);
    // u at the rounded total: the last proposable column (its index from the end is the first in the flipped mask)
    torch::Tensor last = (K - 1) - proposable.flip(-1).to(torch::kInt).argmax(-1, true);
    drawn = torch::minimum(drawn, last);
    out.proposal_log_probs = log_phi.gather(-1, drawn).squeeze(-1).masked_fill(fixed, 0);
    out.proposal_columns = drawn.squeeze(-1).masked_fill(fixed, -1);
    torch::Tensor back = p.reverse_columns.clamp_min(0).view({-1, 1});
    out.reverse_log_probs = log_phi.select(1, 0).gather(-1, back).squeeze(-1)
                                .masked_fill(p.reverse_columns.lt(0).logical_or(fixed.select(1, 0)), 0);
}

}  // namespace

EstimatorPassResult run_estimator_pass(const Transformer& t, const EstimatorPassRequest& p) {
    const bool backward = p.proposals || p.one_hot_sums;
    torch::Tensor act, grads;
    if (backward) {
        torch::AutoGradMode grad_mode(true);
        torch::Tensor emb = t.embed(p.tokens).detach().requires_grad_(true);
        act = t.last_activations(emb);
        // The rows' target logits as dot products with their unembedding rows: the backward never meets [B][V].
        (act * t.unembedding().index_select(0, p.targets)).sum().backward();
        // Decision: the reductions below run in float32 whatever the model's precision (sums over many rows).
        grads = emb.grad().to(torch::kFloat);  // g_i(x) per row: [B, T, D]
        act = act.detach();
    } else {
        torch::NoGradGuard no_grad;
        act = t.last_activations(t.embed(p.tokens));
    }
    torch::NoGradGuard no_grad;
    EstimatorPassResult out;
    if (p.logits || p.argmax || p.target_logits) {
        // Decision: argmax and target logits are read off the float32 logits that LOGITS returns, so they agree with
        // them exactly (argmax ties go to the lowest id, torch's documented choice).
        torch::Tensor logits = t.logits(act);
        if (p.logits) out.logits = logits;
        if (p.argmax) out.argmax = logits.argmax(-1);
        if (p.target_logits) out.target_logits = logits.gather(1, p.targets.unsqueeze(1)).squeeze(1);
    }
    if (backward) {
        const int64_t B = grads.size(0), T = grads.size(1), D = grads.size(2);
        torch::Tensor columns = t.embedding().index_select(0, p.columns).to(torch::kFloat).t();  // W_E[c]^T: [D, K]
        if (p.proposals) {
            const int64_t Q = p.positions.size(1);
            torch::Tensor at = grads.gather(1, p.positions.unsqueeze(-1).expand({B, Q, D}));  // [B, Q, D]
            draw_proposals(torch::matmul(at, columns), p, out);
        }
        if (p.one_hot_sums) {
            torch::Tensor groups = p.groups.defined() ? p.groups : torch::zeros({B}, p.tokens.options());
            torch::Tensor sums = torch::zeros({p.n_groups, T, D}, grads.options()).index_add_(0, groups, grads);
            out.one_hot_sums = torch::matmul(sums, columns);
        }
    }
    return out;
}

}  // namespace lpe
