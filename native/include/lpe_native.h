/*
 * lpe native engine: a small C ABI over libtorch, called from Java through java.lang.foreign (NativeEngine).
 *
 * Every function that can fail returns a status (LPE_OK, LPE_ERROR, LPE_OUT_OF_MEMORY) and writes a message into
 * the caller's buffer err[errlen]. No C++ exception crosses this boundary.
 * All matrices are row-major, float32 on the host; the model's own tensors live on its device.
 */
#ifndef LPE_NATIVE_H
#define LPE_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LPE_OK 0
#define LPE_ERROR 1
#define LPE_OUT_OF_MEMORY 2

#define LPE_API __attribute__((visibility("default")))

typedef struct lpe_model lpe_model;

/* The libtorch version this library was built against, e.g. "2.11.0"; and whether it can reach a CUDA device. */
LPE_API const char* lpe_torch_version(void);
LPE_API int lpe_cuda_available(void);

/* Sets libtorch's CPU intra-op thread count (at::set_num_threads), applied on every later call from any thread. */
LPE_API void lpe_set_cpu_threads(int32_t threads);

/*
 * Starts a model. config: one "key=value" per line with the keys arch (llama|gpt2|gpt_neox), vocab, hidden, layers,
 * heads, kv_heads, head_dim, intermediate, context, norm_eps, rope_theta, rotary_dim, tied (0|1),
 * parallel_residual (0|1), activation (silu|gelu|gelu_new|gelu_pytorch_tanh|gelu_fast|relu).
 * device: "cpu" or "cuda" (or "cuda:N"). precision: "fp32", "tf32" or "bf16".
 * On failure returns NULL with the reason in err.
 */
LPE_API lpe_model* lpe_model_create(const char* config, const char* device, const char* precision, char* err, int64_t errlen);

/* Copies one F32 tensor, named as in the Hugging Face checkpoint, to the model's device. */
LPE_API int lpe_model_add_tensor(lpe_model* model, const char* name, const int64_t* shape, int32_t ndim, const float* data,
                         char* err, int64_t errlen);

/* Checks that every tensor the architecture needs is present with the right shape; then the model is ready. */
LPE_API int lpe_model_finish(lpe_model* model, char* err, int64_t errlen);

LPE_API void lpe_model_free(lpe_model* model);

/*
 * Runs rows[rows][length] of token ids. Writes, for the last position, logits[rows][vocab] and/or the final-norm
 * activations[rows][hidden] (either pointer may be NULL). If grads is not NULL, also writes
 * grads[rows][length][hidden] = d logit[targets[r]] / d input-embedding of row r.
 */
LPE_API int lpe_run(lpe_model* model, const int32_t* tokens, int64_t rows, int64_t length, float* logits, float* activations,
            const int32_t* targets, float* grads, char* err, int64_t errlen);

/*
 * The estimators' pass (ITGIS, MHIS): runs tokens[rows][length] forward and, if proposals or one_hot_sums are asked
 * for, backward from logit[targets[r]] of each row r. With g_i(r) = d logit[targets[r]] / d input-embedding at
 * position i of row r, the columns ids c_0..c_{k-1} and h_i(r)[j] = W_E[c_j] . g_i(r), it writes (each output pointer
 * may be NULL: not computed):
 *   logits[rows][vocab]              the last-position logits;
 *   argmax[rows]                     the last-position argmax token (ties to the lowest id);
 *   target_logits[rows]              the last-position logit[targets[r]];
 *   proposal_columns[rows][n_pos], proposal_log_probs[rows][n_pos], reverse_log_probs[rows]
 *                                    MHIS's proposal at i = positions[r][q] (positions given as [rows][n_pos]):
 *                                    phi_i(j | r) = softmax_j(log_priors[i][j] + h_i(r)[j] / temperature), log_priors
 *                                    [length][k] finite or -inf (outside the support); the drawn column is the
 *                                    smallest j whose cumulative probability exceeds uniforms[r][q] (in [0, 1)), with
 *                                    its log phi; reverse_log_probs[r] = log phi_{positions[r][0]}(reverse_columns[r]
 *                                    | r), 0 where reverse_columns[r] = -1. A position with no finite log-prior is
 *                                    fixed: column -1, log phi 0. The three pointers go together;
 *   one_hot_sums[n_groups][length][k] the sum over the rows r with groups[r] = g of h_i(r);
 *                                    groups may be NULL (every row in group 0).
 * targets is needed by target_logits, the proposals and one_hot_sums; columns by the proposals and one_hot_sums.
 * Only these reductions leave the device.
 */
LPE_API int lpe_run_estimator_pass(lpe_model* model, const int32_t* tokens, int64_t rows, int64_t length,
                                   const int32_t* targets, const int32_t* columns, int64_t k, const int32_t* positions,
                                   int64_t n_pos, const int32_t* groups, int64_t n_groups, const float* log_priors,
                                   double temperature, const float* uniforms, const int32_t* reverse_columns,
                                   float* logits, int32_t* argmax, float* target_logits, int32_t* proposal_columns,
                                   float* proposal_log_probs, float* reverse_log_probs, float* one_hot_sums,
                                   char* err, int64_t errlen);

/* argmax[rows] = the last-position argmax token of each row (no logits leave the device). */
LPE_API int lpe_argmax(lpe_model* model, const int32_t* tokens, int64_t rows, int64_t length, int32_t* argmax, char* err,
                       int64_t errlen);

/* out[n][k] = vectors[n] . W_E[ids[k]] (the input embedding rows). */
LPE_API int lpe_project_embeddings(lpe_model* model, const float* vectors, int64_t n, const int32_t* ids, int64_t k,
                           float* out, char* err, int64_t errlen);

/* Copies the unembedding W_U as [vocab][hidden]. */
LPE_API int lpe_unembedding(lpe_model* model, float* out, char* err, int64_t errlen);

/*
 * Ground truth by sampling, on the device: draws samples sequences from independent per-position categorical
 * distributions (position p has support ids[offsets[p] .. offsets[p+1]) with unnormalised weights), runs them in
 * batches of at most batch rows and adds the count of each last-position argmax token to counts[vocab].
 * Sample i (counted from first_sample) depends only on (seed, i), so shards and resumed runs compose.
 */
LPE_API int lpe_sample_argmax_counts(lpe_model* model, int64_t length, const int64_t* offsets, const int32_t* ids,
                             const double* weights, int64_t samples, int64_t batch, uint64_t seed,
                             int64_t first_sample, int64_t* counts, char* err, int64_t errlen);

#ifdef __cplusplus
}
#endif

#endif
