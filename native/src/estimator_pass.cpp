#include "estimator_pass.h"

namespace lpe {

EstimatorPassResult run_estimator_pass(const Transformer& t, const EstimatorPassRequest& p) {
    const bool backward = p.one_hot || p.one_hot_sums;
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
        if (p.one_hot) {
            const int64_t Q = p.positions.size(1);
            torch::Tensor at = grads.gather(1, p.positions.unsqueeze(-1).expand({B, Q, D}));  // [B, Q, D]
            out.one_hot = torch::matmul(at, columns);
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
