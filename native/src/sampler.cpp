#include "sampler.h"

#include <algorithm>
#include <stdexcept>

namespace lpe {

namespace {

constexpr int64_t kLow32 = 0xFFFFFFFF;
constexpr int64_t kMix1 = 0x85ebca6b;
constexpr int64_t kMix2 = 0xc2b2ae35;

// murmur3's 32-bit finaliser; values are kept in [0, 2^32) inside int64 (the low 32 bits of a wrapped product are exact).
uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

torch::Tensor fmix32(torch::Tensor h) {
    h = h ^ h.__rshift__(16);
    h = (h * kMix1) & kLow32;
    h = h ^ h.__rshift__(13);
    h = (h * kMix2) & kLow32;
    return h ^ h.__rshift__(16);
}

}  // namespace

PositionSampler::PositionSampler(const std::vector<std::vector<int64_t>>& ids,
                                 const std::vector<std::vector<double>>& weights, uint64_t seed, torch::Device device)
    : device_(device) {
    const int64_t P = static_cast<int64_t>(ids.size());
    int64_t K = 1;
    for (const auto& s : ids) K = std::max<int64_t>(K, static_cast<int64_t>(s.size()));
    torch::Tensor cdf = torch::full({P, K}, 2.0f);
    torch::Tensor offsets = torch::empty({P, 1}, torch::kInt64);
    torch::Tensor salt = torch::empty({P, 1}, torch::kInt64);
    std::vector<int64_t> flat_ids, flat_positions;
    auto c = cdf.accessor<float, 2>();
    auto o = offsets.accessor<int64_t, 2>();
    auto s = salt.accessor<int64_t, 2>();
    const uint32_t seed_key = fmix32(static_cast<uint32_t>(seed) ^ fmix32(static_cast<uint32_t>(seed >> 32) ^ 0x9E3779B9u));
    for (int64_t p = 0; p < P; p++) {
        double total = 0;
        for (double w : weights[p]) total += w;
        double running = 0;
        const int64_t n = static_cast<int64_t>(ids[p].size());
        o[p][0] = static_cast<int64_t>(flat_ids.size());
        for (int64_t k = 0; k < n; k++) {
            running += weights[p][k];
            c[p][k] = k + 1 == n ? 1.0f : static_cast<float>(running / total);
            flat_ids.push_back(ids[p][k]);
            flat_positions.push_back(p);
        }
        s[p][0] = fmix32(seed_key ^ fmix32(static_cast<uint32_t>(p) + 0x632BE5ABu));
    }
    cdf_ = cdf.to(device);
    offsets_ = offsets.to(device);
    salt_ = salt.to(device);
    flat_ids_ = torch::tensor(flat_ids, torch::kInt64).to(device);
    flat_positions_ = torch::tensor(flat_positions, torch::kInt64).to(device);
}

torch::Tensor PositionSampler::draw(int64_t first, int64_t n) const {
    torch::Tensor index = torch::arange(first, first + n, torch::TensorOptions().dtype(torch::kInt64).device(device_));
    torch::Tensor h = fmix32(fmix32((index & kLow32).unsqueeze(0) ^ salt_) ^ index.__rshift__(32).unsqueeze(0));  // [P, n]
    torch::Tensor u = h.__rshift__(8).to(torch::kFloat) * (1.0f / 16777216.0f);  // uniform on [0, 1) with 24 bits
    torch::Tensor chosen = torch::searchsorted(cdf_, u, /*out_int32=*/false, /*right=*/true);  // [P, n]
    return (chosen + offsets_).t().contiguous();  // [n, P]
}

void count_argmax(const Transformer& model, const PositionSampler& sampler, int64_t first, int64_t n, int64_t batch,
                  torch::Tensor& counts) {
    torch::NoGradGuard no_grad;
    // When the supports are small next to the samples, the first layer's per-(position, token) work is done once
    // for the whole support (a table of at most kTableBytes) instead of once per sampled token.
    constexpr int64_t kTableBytes = int64_t{2} << 30;
    const Config& c = model.config();
    const int64_t N = sampler.flat_ids().size(0);
    const int64_t table_bytes = N * (c.hidden + (c.heads + 2 * c.kv_heads) * c.head_dim) * c10::elementSize(model.dtype());
    const bool use_table = table_bytes <= kTableBytes && N < n * sampler.positions();
    FirstLayerTable table;
    if (use_table) table = model.first_layer_table(sampler.flat_ids(), sampler.flat_positions());
    for (int64_t done = 0; done < n; done += batch) {
        const int64_t b = std::min(batch, n - done);
        torch::Tensor rows = sampler.draw(first + done, b);
        torch::Tensor activations = use_table ? model.last_activations(table, rows)
                                              : model.last_activations(model.embed(sampler.flat_ids().index_select(0, rows.reshape({-1})).view_as(rows)));
        torch::Tensor argmax = model.argmax(activations);
        counts.index_add_(0, argmax, torch::ones_like(argmax));
    }
}

}  // namespace lpe
