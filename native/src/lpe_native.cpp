// The C ABI of lpe_native.h: argument checks, host<->device copies, and errors turned into status codes.
#include "lpe_native.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "estimator_pass.h"
#include "sampler.h"
#include "transformer.h"

struct lpe_model {
    std::unique_ptr<lpe::Transformer> transformer;
    bool tf32 = false;
    bool finished = false;
    std::mutex mutex;  // one call at a time per model
};

namespace {

// OpenMP's thread count is per calling thread, and Java calls from many threads: every entry applies it.
std::atomic<int> cpu_threads{0};

void apply_cpu_threads() {
    int n = cpu_threads.load();
    if (n > 0 && at::get_num_threads() != n) at::set_num_threads(n);
}

void write_error(char* err, int64_t errlen, const std::string& message) {
    if (err == nullptr || errlen <= 0) return;
    size_t n = std::min<size_t>(message.size(), static_cast<size_t>(errlen - 1));
    std::memcpy(err, message.data(), n);
    err[n] = '\0';
}

bool is_out_of_memory(const std::string& m) {
    return m.find("out of memory") != std::string::npos || m.find("not enough memory") != std::string::npos ||
           m.find("can't allocate memory") != std::string::npos;
}

// Runs body, turning every exception into a status and a message; nothing is thrown across the C ABI.
template <typename Body>
int guarded(char* err, int64_t errlen, Body body) {
    std::string message;
    try {
        apply_cpu_threads();
        body();
        return LPE_OK;
    } catch (const std::bad_alloc&) {
        write_error(err, errlen, "out of memory (host allocation failed)");
        return LPE_OUT_OF_MEMORY;
    } catch (const c10::Error& e) {
        message = e.what_without_backtrace();
    } catch (const std::exception& e) {
        message = e.what();
    } catch (...) {
        message = "unknown native error";
    }
    write_error(err, errlen, message);
    return is_out_of_memory(message) ? LPE_OUT_OF_MEMORY : LPE_ERROR;
}

lpe::Transformer& ready(lpe_model* model) {
    if (model == nullptr) throw std::invalid_argument("model is null");
    if (!model->finished) throw std::invalid_argument("model is not finished (call lpe_model_finish first)");
    return *model->transformer;
}

// Selects fp32 or TF32 matrix products for this call (a process-wide libtorch setting).
void set_matmul_precision(const lpe_model* model) {
    at::globalContext().setFloat32MatmulPrecision(model->tf32 ? "high" : "highest");
}

// Checks that each of ids[0..n) lies in 0..bound-1; name(i, id) says which entry it is ("target 7 of row 2"), and
// range what the bound is, in the error.
template <typename Name>
void check_range(const int32_t* ids, int64_t n, int64_t bound, Name name, const std::string& range = "") {
    for (int64_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= bound)
            throw std::invalid_argument(name(i, ids[i]) + " is outside 0.." + std::to_string(bound - 1) + range);
    }
}

void check_targets(const lpe::Transformer& t, const int32_t* targets, int64_t rows) {
    check_range(targets, rows, t.config().vocab, [](int64_t r, int32_t id) {
        return "target " + std::to_string(id) + " of row " + std::to_string(r);
    });
}

// Host int32 ids of the given shape as int64 on the model's device.
torch::Tensor device_ids(const lpe::Transformer& t, const int32_t* ids, std::vector<int64_t> shape) {
    return torch::from_blob(const_cast<int32_t*>(ids), shape, torch::kInt32).to(t.device(), torch::kInt64);
}

torch::Tensor device_tokens(const lpe::Transformer& t, const int32_t* tokens, int64_t rows, int64_t length) {
    check_range(tokens, rows * length, t.config().vocab, [&](int64_t i, int32_t id) {
        return "token id " + std::to_string(id) + " at row " + std::to_string(i / length) + ", position " +
               std::to_string(i % length);
    });
    return device_ids(t, tokens, {rows, length});
}

void copy_out(const torch::Tensor& x, float* out) {
    torch::Tensor host = x.detach().to(torch::kCPU, torch::kFloat).contiguous();
    std::memcpy(out, host.data_ptr<float>(), host.numel() * sizeof(float));
}

void copy_out(const torch::Tensor& x, int32_t* out) {
    torch::Tensor host = x.to(torch::kCPU, torch::kInt32).contiguous();
    std::memcpy(out, host.data_ptr<int32_t>(), host.numel() * sizeof(int32_t));
}

}  // namespace

extern "C" {

const char* lpe_torch_version(void) { return TORCH_VERSION; }

int lpe_cuda_available(void) {
    try {
        return torch::cuda::is_available() ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

void lpe_set_cpu_threads(int32_t threads) {
    if (threads > 0) cpu_threads.store(threads);
}

lpe_model* lpe_model_create(const char* config, const char* device, const char* precision, char* err, int64_t errlen) {
    std::unique_ptr<lpe_model> model(new lpe_model());
    int status = guarded(err, errlen, [&] {
        lpe::Config c = lpe::Config::parse(config == nullptr ? "" : config);
        std::string d = device == nullptr ? "" : device;
        if (d != "cpu" && d.rfind("cuda", 0) != 0)
            throw std::invalid_argument("device '" + d + "' is not supported; expected cpu or cuda");
        if (d.rfind("cuda", 0) == 0 && !torch::cuda::is_available())
            throw std::invalid_argument("device '" + d + "' asked for, but this libtorch (" TORCH_VERSION
                                        ") has no CUDA support or sees no GPU; use --device cpu");
        torch::Device dev(d);
        if (dev.is_cuda() && dev.has_index() && dev.index() >= static_cast<int>(torch::cuda::device_count()))
            throw std::invalid_argument("device '" + d + "' does not exist; this host has " +
                                        std::to_string(torch::cuda::device_count()) + " GPU(s)");
        std::string p = precision == nullptr ? "" : precision;
        if (p != "fp32" && p != "tf32" && p != "bf16")
            throw std::invalid_argument("precision '" + p + "' is not supported; expected fp32, tf32 or bf16");
        model->tf32 = p == "tf32";
        model->transformer = std::make_unique<lpe::Transformer>(c, dev, p == "bf16" ? torch::kBFloat16 : torch::kFloat);
    });
    return status == LPE_OK ? model.release() : nullptr;
}

int lpe_model_add_tensor(lpe_model* model, const char* name, const int64_t* shape, int32_t ndim, const float* data,
                         char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        if (model == nullptr || model->finished) throw std::invalid_argument("model is null or already finished");
        std::vector<int64_t> sizes(shape, shape + ndim);
        model->transformer->add(name, torch::from_blob(const_cast<float*>(data), sizes, torch::kFloat));
    });
}

int lpe_model_finish(lpe_model* model, char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        if (model == nullptr || model->finished) throw std::invalid_argument("model is null or already finished");
        model->transformer->finish();
        model->finished = true;
    });
}

void lpe_model_free(lpe_model* model) { delete model; }

int lpe_run(lpe_model* model, const int32_t* tokens, int64_t rows, int64_t length, float* logits, float* activations,
            const int32_t* targets, float* grads, char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        lpe::Transformer& t = ready(model);
        std::lock_guard<std::mutex> lock(model->mutex);
        set_matmul_precision(model);
        if (rows <= 0 || length <= 0) throw std::invalid_argument("rows and length must be positive");
        torch::Tensor ids = device_tokens(t, tokens, rows, length);
        torch::Tensor act;
        if (grads != nullptr) {
            if (targets == nullptr) throw std::invalid_argument("gradients asked for without targets");
            check_targets(t, targets, rows);
            torch::AutoGradMode grad_mode(true);
            torch::Tensor emb = t.embed(ids).detach().requires_grad_(true);
            act = t.last_activations(emb);
            torch::Tensor target = device_ids(t, targets, {rows});
            torch::Tensor target_logits = (act * t.unembedding().index_select(0, target)).sum(-1);
            target_logits.sum().backward();
            copy_out(emb.grad(), grads);
            act = act.detach();
        } else {
            torch::NoGradGuard no_grad;
            act = t.last_activations(t.embed(ids));
        }
        torch::NoGradGuard no_grad;
        if (activations != nullptr) copy_out(act, activations);
        if (logits != nullptr) copy_out(t.logits(act), logits);
    });
}

int lpe_run_estimator_pass(lpe_model* model, const int32_t* tokens, int64_t rows, int64_t length,
                           const int32_t* targets, const int32_t* columns, int64_t k, const int32_t* positions,
                           int64_t n_pos, const int32_t* groups, int64_t n_groups, const float* log_priors,
                           double temperature, const float* uniforms, const int32_t* reverse_columns,
                           float* logits, int32_t* argmax, float* target_logits, int32_t* proposal_columns,
                           float* proposal_log_probs, float* reverse_log_probs, float* one_hot_sums,
                           char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        lpe::Transformer& t = ready(model);
        std::lock_guard<std::mutex> lock(model->mutex);
        set_matmul_precision(model);
        if (rows <= 0 || length <= 0) throw std::invalid_argument("rows and length must be positive");
        lpe::EstimatorPassRequest p;
        p.logits = logits != nullptr;
        p.argmax = argmax != nullptr;
        p.target_logits = target_logits != nullptr;
        p.proposals = proposal_columns != nullptr;
        p.one_hot_sums = one_hot_sums != nullptr;
        if (p.proposals != (proposal_log_probs != nullptr) || p.proposals != (reverse_log_probs != nullptr))
            throw std::invalid_argument("proposal_columns, proposal_log_probs and reverse_log_probs go together (some are NULL)");
        if (!(p.logits || p.argmax || p.target_logits || p.proposals || p.one_hot_sums))
            throw std::invalid_argument("no output asked for (every output pointer is NULL)");
        p.tokens = device_tokens(t, tokens, rows, length);
        if (p.target_logits || p.proposals || p.one_hot_sums) {
            if (targets == nullptr) throw std::invalid_argument("target logits, proposals and one-hot gradient sums need targets (targets is NULL)");
            check_targets(t, targets, rows);
            p.targets = device_ids(t, targets, {rows});
        }
        if (p.proposals || p.one_hot_sums) {
            if (columns == nullptr || k <= 0)
                throw std::invalid_argument("proposals and one-hot gradient sums need columns (k = " + std::to_string(k) + ", columns " +
                                            (columns == nullptr ? "NULL" : "given") + ")");
            check_range(columns, k, t.config().vocab, [](int64_t j, int32_t id) {
                return "column " + std::to_string(j) + " (token id " + std::to_string(id) + ")";
            });
            p.columns = device_ids(t, columns, {k});
        }
        if (p.proposals) {
            if (positions == nullptr || n_pos <= 0)
                throw std::invalid_argument("proposals need positions (n_pos = " + std::to_string(n_pos) +
                                            ", positions " + (positions == nullptr ? "NULL" : "given") + ")");
            check_range(positions, rows * n_pos, length, [&](int64_t i, int32_t pos) {
                return "position " + std::to_string(pos) + " of row " + std::to_string(i / n_pos) + " (entry " +
                       std::to_string(i % n_pos) + ")";
            }, " (the rows have length " + std::to_string(length) + ")");
            p.positions = device_ids(t, positions, {rows, n_pos});
            if (log_priors == nullptr || uniforms == nullptr || reverse_columns == nullptr)
                throw std::invalid_argument("proposals need log_priors, uniforms and reverse_columns (one is NULL)");
            if (!(temperature > 0) || std::isinf(temperature))
                throw std::invalid_argument("proposal temperature must be positive and finite, got " + std::to_string(temperature));
            for (int64_t i = 0; i < length * k; i++) {
                if (std::isnan(log_priors[i]) || log_priors[i] == std::numeric_limits<float>::infinity())
                    throw std::invalid_argument("log_priors[" + std::to_string(i / k) + "][" + std::to_string(i % k) +
                                                "] is " + std::to_string(log_priors[i]) + "; expected finite or -inf");
            }
            for (int64_t i = 0; i < rows * n_pos; i++) {
                if (!(uniforms[i] >= 0 && uniforms[i] < 1))
                    throw std::invalid_argument("uniform " + std::to_string(uniforms[i]) + " of row " +
                                                std::to_string(i / n_pos) + " (entry " + std::to_string(i % n_pos) +
                                                ") is outside [0, 1)");
            }
            for (int64_t r = 0; r < rows; r++) {
                if (reverse_columns[r] < -1 || reverse_columns[r] >= k)
                    throw std::invalid_argument("reverse column " + std::to_string(reverse_columns[r]) + " of row " +
                                                std::to_string(r) + " is outside -1.." + std::to_string(k - 1));
            }
            p.log_priors = torch::from_blob(const_cast<float*>(log_priors), {length, k}, torch::kFloat).to(t.device());
            p.uniforms = torch::from_blob(const_cast<float*>(uniforms), {rows, n_pos}, torch::kFloat).to(t.device());
            p.reverse_columns = device_ids(t, reverse_columns, {rows});
            p.temperature = temperature;
        }
        if (p.one_hot_sums) {
            if (n_groups <= 0)
                throw std::invalid_argument("one-hot gradient sums need n_groups > 0, got " + std::to_string(n_groups));
            if (groups != nullptr) {
                check_range(groups, rows, n_groups, [](int64_t r, int32_t g) {
                    return "group " + std::to_string(g) + " of row " + std::to_string(r);
                }, " (n_groups = " + std::to_string(n_groups) + ")");
                p.groups = device_ids(t, groups, {rows});
            }
            p.n_groups = n_groups;
        }
        lpe::EstimatorPassResult r = lpe::run_estimator_pass(t, p);
        if (p.logits) copy_out(r.logits, logits);
        if (p.argmax) copy_out(r.argmax, argmax);
        if (p.target_logits) copy_out(r.target_logits, target_logits);
        if (p.proposals) {
            copy_out(r.proposal_columns, proposal_columns);
            copy_out(r.proposal_log_probs, proposal_log_probs);
            copy_out(r.reverse_log_probs, reverse_log_probs);
        }
        if (p.one_hot_sums) copy_out(r.one_hot_sums, one_hot_sums);
    });
}

int lpe_argmax(lpe_model* model, const int32_t* tokens, int64_t rows, int64_t length, int32_t* argmax, char* err,
               int64_t errlen) {
    return guarded(err, errlen, [&] {
        lpe::Transformer& t = ready(model);
        std::lock_guard<std::mutex> lock(model->mutex);
        set_matmul_precision(model);
        if (rows <= 0 || length <= 0) throw std::invalid_argument("rows and length must be positive");
        torch::NoGradGuard no_grad;
        copy_out(t.logits(t.last_activations(t.embed(device_tokens(t, tokens, rows, length)))).argmax(-1), argmax);
    });
}

int lpe_project_embeddings(lpe_model* model, const float* vectors, int64_t n, const int32_t* ids, int64_t k,
                           float* out, char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        lpe::Transformer& t = ready(model);
        std::lock_guard<std::mutex> lock(model->mutex);
        set_matmul_precision(model);
        torch::NoGradGuard no_grad;
        torch::Tensor rows = t.embedding().index_select(0, device_tokens(t, ids, 1, k).view({k}));
        torch::Tensor v = torch::from_blob(const_cast<float*>(vectors), {n, t.config().hidden}, torch::kFloat).to(t.device(), t.dtype());
        copy_out(torch::matmul(v, rows.t()), out);
    });
}

int lpe_unembedding(lpe_model* model, float* out, char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        lpe::Transformer& t = ready(model);
        copy_out(t.unembedding(), out);
    });
}

int lpe_sample_argmax_counts(lpe_model* model, int64_t length, const int64_t* offsets, const int32_t* ids,
                             const double* weights, int64_t samples, int64_t batch, uint64_t seed,
                             int64_t first_sample, int64_t* counts, char* err, int64_t errlen) {
    return guarded(err, errlen, [&] {
        lpe::Transformer& t = ready(model);
        std::lock_guard<std::mutex> lock(model->mutex);
        set_matmul_precision(model);
        if (length <= 0 || length > t.config().context)
            throw std::invalid_argument("sequence length " + std::to_string(length) + " is outside 1.." +
                                        std::to_string(t.config().context) + " (the model's context length)");
        if (samples < 0 || batch <= 0 || first_sample < 0)
            throw std::invalid_argument("samples and first_sample must be >= 0 and batch > 0");
        if (offsets[0] != 0) throw std::invalid_argument("offsets[0] must be 0");
        std::vector<std::vector<int64_t>> support(length);
        std::vector<std::vector<double>> weight(length);
        for (int64_t p = 0; p < length; p++) {
            if (offsets[p + 1] <= offsets[p])
                throw std::invalid_argument("position " + std::to_string(p) + " has an empty support");
            double total = 0;
            for (int64_t j = offsets[p]; j < offsets[p + 1]; j++) {
                if (ids[j] < 0 || ids[j] >= t.config().vocab)
                    throw std::invalid_argument("position " + std::to_string(p) + ": token id " + std::to_string(ids[j]) +
                                                " is outside 0.." + std::to_string(t.config().vocab - 1));
                if (!(weights[j] >= 0) || std::isinf(weights[j]))
                    throw std::invalid_argument("position " + std::to_string(p) + ": weight " + std::to_string(weights[j]) +
                                                " is not a finite non-negative number");
                support[p].push_back(ids[j]);
                weight[p].push_back(weights[j]);
                total += weights[j];
            }
            if (!(total > 0)) throw std::invalid_argument("position " + std::to_string(p) + ": weights sum to 0");
        }
        lpe::PositionSampler sampler(support, weight, seed, t.device());
        torch::Tensor total = torch::zeros({t.config().vocab}, torch::TensorOptions().dtype(torch::kInt64).device(t.device()));
        lpe::count_argmax(t, sampler, first_sample, samples, batch, total);
        torch::Tensor host = total.to(torch::kCPU);
        const int64_t* c = host.data_ptr<int64_t>();
        for (int64_t v = 0; v < t.config().vocab; v++) counts[v] += c[v];
    });
}

}  // extern "C"
