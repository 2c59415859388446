#include "core/engine/sampling/brownian_tree.h"

#include "core/common/error.h"
#include "core/engine/compute/float32_math.h"
#include "core/engine/sampling/seed_sequence.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace tessera::engine {
namespace {

constexpr int kTreePoolSize = 24;  // torchsde.BrownianTree's pool_size
constexpr size_t kRememberedSplits = 64;

// Python's round(x, 6) (torchsde's tol = 1e-6): the correctly rounded 6-decimal value, read back.
double roundToTolerance(double x) {
    std::array<char, 64> text{};
    const auto written = std::to_chars(text.data(), text.data() + text.size(), x, std::chars_format::fixed, 6);
    double value = x;
    std::from_chars(text.data(), written.ptr, value);
    return value;
}

}  // namespace

BrownianTree::BrownianTree(double t0, double t1, uint64_t seed, const at::Tensor& like)
    : seed_(seed), shape_(like.sizes().vec()), dtype_(like.scalar_type()),
      root_{roundToTolerance(t0), roundToTolerance(t1), 0, 0} {
    if (!(t0 <= t1)) throw Error("Brownian tree: the interval [" + std::to_string(t0) + ", " + std::to_string(t1) + "] is reversed");
    const std::vector<uint32_t> seeds = seedSequenceState(seed_, {}, kTreePoolSize, 3);
    rootW_ = randn(seeds[0]) * std::sqrt(t1 - t0);
}

at::Tensor BrownianTree::randn(uint32_t seed) const {
    at::Generator generator = at::detail::createCPUGenerator(seed);
    return at::randn(shape_, generator, at::TensorOptions().dtype(dtype_));
}

at::Tensor BrownianTree::increment(double ta, double tb) const {
    ta = roundToTolerance(std::clamp(ta, root_.start, root_.end));
    tb = roundToTolerance(std::clamp(tb, root_.start, root_.end));
    if (ta > tb) throw Error("Brownian tree: query times must be ordered (" + std::to_string(ta) + " > " + std::to_string(tb) + ")");
    if (ta == tb) return at::zeros(shape_, at::TensorOptions().dtype(dtype_));
    std::vector<at::Tensor> pieces;
    collect(root_, rootW_, ta, tb, pieces);
    at::Tensor w = pieces[0];
    for (size_t i = 1; i < pieces.size(); ++i) w = w + pieces[i];  // torchsde sums left to right
    return w;
}

// Descends to the tree nodes that tile [ta, tb], splitting each node's increment w between its children as
// the Brownian bridge does: left = w * l / h + sqrt(l * r / h) * z, right = w - left.
void BrownianTree::collect(const Node& node, const at::Tensor& w, double ta, double tb, std::vector<at::Tensor>& out) const {
    if (ta == node.start && tb == node.end) {
        out.push_back(w);
        return;
    }
    const double mid = roundToTolerance(0.5 * (node.end + node.start));
    const auto [leftW, rightW] = split(node, mid, w);  // by value: deeper splits may evict this one
    const Node left{node.start, mid, 2 * node.key, node.depth + 1};
    const Node right{mid, node.end, 2 * node.key + 1, node.depth + 1};
    if (tb <= mid) {
        collect(left, leftW, ta, tb, out);
    } else if (ta >= mid) {
        collect(right, rightW, ta, tb, out);
    } else {
        collect(left, leftW, ta, mid, out);
        collect(right, rightW, mid, tb, out);
    }
}

std::pair<at::Tensor, at::Tensor> BrownianTree::split(const Node& node, double mid, const at::Tensor& w) const {
    const NodeId id{node.depth, node.key};
    if (const auto it = splits_.find(id); it != splits_.end()) return it->second;
    const double hReciprocal = 1 / (node.end - node.start);
    const double leftDiff = mid - node.start, rightDiff = node.end - mid;
    const uint32_t wSeed = seedSequenceState(seed_, {node.key, node.depth}, kTreePoolSize, 4)[0];
    const at::Tensor mean = w * leftDiff * hReciprocal;
    at::Tensor leftW = mean + randn(wSeed) * std::sqrt(leftDiff * rightDiff * hReciprocal);
    at::Tensor rightW = w - leftW;
    if (splitOrder_.size() >= kRememberedSplits) {
        splits_.erase(splitOrder_.front());
        splitOrder_.pop_front();
    }
    splitOrder_.push_back(id);
    return splits_.emplace(id, std::make_pair(std::move(leftW), std::move(rightW))).first->second;
}

BrownianTreeNoise::BrownianTreeNoise(const at::Tensor& like, double sigmaMin, double sigmaMax, uint64_t seed,
                                     bool float32Sigmas)
    : tree_(sigmaMin, sigmaMax, seed, like), float32Sigmas_(float32Sigmas) {}

at::Tensor BrownianTreeNoise::operator()(double sigma, double sigmaNext) const {
    const double a = static_cast<float>(std::min(sigma, sigmaNext)), b = static_cast<float>(std::max(sigma, sigmaNext));
    const at::Tensor w = tree_.increment(a, b);
    const at::Tensor signedW = sigma > sigmaNext ? w * -1 : w;
    const double span = float32Sigmas_ ? f32::sqrt(std::fabs(static_cast<float>(sigmaNext) - static_cast<float>(sigma)))
                                       : std::sqrt(std::fabs(sigmaNext - sigma));
    return signedW / span;
}

}  // namespace tessera::engine
