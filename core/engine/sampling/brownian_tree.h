#pragma once
// ComfyUI's Brownian-tree noise for the SDE samplers (BrownianTreeNoiseSampler with cpu=True), reproduced
// bit for bit: torchsde.BrownianTree(t0, zeros_like(x), t1, entropy=seed), i.e. a BrownianInterval with
// tol 1e-6, pool_size 24, the halfway (dyadic) dependency tree and no Levy area. Every node of the tree
// splits its increment W at its rounded midpoint with a fresh randn whose seed comes from numpy's
// SeedSequence(entropy, spawn_key=(node key, depth)), so an increment is a pure function of the seed and
// the queried interval, whatever was asked before.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <deque>
#include <map>
#include <utility>
#include <vector>

namespace tessera::engine {

class BrownianTree {
public:
    // The path over [t0, t1] (t0 <= t1) for tensors shaped and typed like `like` (drawn on the CPU).
    BrownianTree(double t0, double t1, uint64_t seed, const at::Tensor& like);
    // W(tb) - W(ta) for t0 <= ta <= tb <= t1 (clamped into [t0, t1] like torchsde).
    at::Tensor increment(double ta, double tb) const;

private:
    struct Node {
        double start, end;
        uint64_t key, depth;  // torchsde's spawn key and depth
    };
    using NodeId = std::pair<uint64_t, uint64_t>;  // depth, key
    void collect(const Node& node, const at::Tensor& w, double ta, double tb, std::vector<at::Tensor>& out) const;
    // The increments of a node's two halves given its own, remembered for the latest splits (torchsde keeps
    // an LRU cache too): consecutive queries share most of their path from the root.
    std::pair<at::Tensor, at::Tensor> split(const Node& node, double mid, const at::Tensor& w) const;
    at::Tensor randn(uint32_t seed) const;

    uint64_t seed_;
    std::vector<int64_t> shape_;
    at::ScalarType dtype_;
    Node root_;
    at::Tensor rootW_;
    mutable std::map<NodeId, std::pair<at::Tensor, at::Tensor>> splits_;
    mutable std::deque<NodeId> splitOrder_;
};

// BrownianTreeNoiseSampler(x, sigmaMin, sigmaMax, seed, cpu=True): noise(sigma, sigmaNext) is the tree's
// increment between the two sigmas (queried at float32 like ComfyUI), signed by direction and divided by
// sqrt(|sigmaNext - sigma|), so each draw is standard normal and draws over overlapping intervals correlate.
// Draws are CPU tensors of the dtype of the `like` the tree was made for.
class BrownianTreeNoise {
public:
    // float32Sigmas: the schedule is float32, as in ComfyUI's pipeline, where the divisor is computed on it.
    BrownianTreeNoise(const at::Tensor& like, double sigmaMin, double sigmaMax, uint64_t seed, bool float32Sigmas = false);
    at::Tensor operator()(double sigma, double sigmaNext) const;

private:
    BrownianTree tree_;
    bool float32Sigmas_;
};

}  // namespace tessera::engine
