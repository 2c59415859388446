// CFGZeroStar and CFGNorm (ComfyUI's nodes_cfg.py): their formulas against float64 loops, and how the
// guiders run them, at cfg 1 included.
#include "core/engine/sampling/post_cfg.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_models.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::maxAbs;

namespace {

at::Tensor zeroStarByLoops(const at::Tensor& x, const at::Tensor& cond, const at::Tensor& uncond, const at::Tensor& guided,
                           double cfg) {
    at::Tensor out = guided.to(at::kDouble).clone();
    for (int64_t b = 0; b < x.size(0); ++b) {
        const at::Tensor xs = x[b].to(at::kDouble).flatten(), cs = cond[b].to(at::kDouble).flatten();
        const at::Tensor us = uncond[b].to(at::kDouble).flatten();
        double dot = 0, norm = 0;
        for (int64_t i = 0; i < xs.numel(); ++i) {
            const double p = xs[i].item<double>() - cs[i].item<double>(), n = xs[i].item<double>() - us[i].item<double>();
            dot += p * n;
            norm += n * n;
        }
        const double alpha = dot / (norm + 1e-8);
        out[b] += uncond[b].to(at::kDouble) * ((alpha - 1.0) + cfg * (1.0 - alpha));
    }
    return out;
}

at::Tensor normCapByLoops(const at::Tensor& cond, const at::Tensor& guided, double strength) {
    at::Tensor out = guided.to(at::kDouble).clone();
    const at::Tensor c = cond.to(at::kDouble), g = guided.to(at::kDouble);
    for (int64_t b = 0; b < g.size(0); ++b)
        for (int64_t y = 0; y < g.size(2); ++y)
            for (int64_t x = 0; x < g.size(3); ++x) {
                double cn = 0, gn = 0;
                for (int64_t ch = 0; ch < g.size(1); ++ch) {
                    cn += std::pow(c[b][ch][y][x].item<double>(), 2);
                    gn += std::pow(g[b][ch][y][x].item<double>(), 2);
                }
                const double scale = std::clamp(std::sqrt(cn) / (std::sqrt(gn) + 1e-8), 0.0, 1.0);
                out.select(0, b).select(1, y).select(1, x).mul_(scale * strength);
            }
    return out;
}

}  // namespace

TEST(CfgZeroStarAndNorm, FormulasMatchFloat64Loops) {
    at::manual_seed(31);
    const at::Tensor x = at::randn({2, 4, 5, 6}), cond = at::randn({2, 4, 5, 6}) * 0.7, uncond = at::randn({2, 4, 5, 6});
    const at::Tensor guided = uncond + (cond - uncond) * 6.5;
    const PostCfgArgs step{x, 3.0, cond, uncond, 6.5};
    const at::Tensor zeroStar = cfgZeroStar()(step, guided);
    const at::Tensor wantZeroStar = zeroStarByLoops(x, cond, uncond, guided, 6.5);
    EXPECT_LT(maxAbs(zeroStar.to(at::kDouble) - wantZeroStar), 1e-5 * maxAbs(wantZeroStar));

    for (const double strength : {1.0, 0.4}) {
        const at::Tensor normed = cfgNorm(strength)(step, guided);
        const at::Tensor want = normCapByLoops(cond, guided, strength);
        EXPECT_LT(maxAbs(normed.to(at::kDouble) - want), 1e-5 * maxAbs(want)) << strength;
    }
    // Where the guided estimate is already shorter than the positive one, CFGNorm keeps it (times strength).
    const at::Tensor shorter = cond * 0.5;
    EXPECT_TRUE(at::allclose(cfgNorm(1.0)(step, shorter), shorter, 1e-6, 1e-7));
}

// One Euler step from sigma to 0 returns the guider's x0 estimate.
TEST(CfgZeroStarAndNorm, GuidersRunThemAfterCfgAndAtCfgOneOnAZeroNegative) {
    const engine::LoadedCheckpoint ckpt = test::loadTinySd15();
    at::manual_seed(23);
    Conditioning positive, negative;
    positive.context = at::randn({1, 77, 64});
    negative.context = at::randn({1, 77, 64});
    const at::Tensor latent = at::randn({1, 4, 8, 8});
    const auto run = [&](std::vector<PostCfgPatch> patches, Guider::Kind kind, double cfg) {
        auto model = std::make_shared<DiffusionModel>(*ckpt.model);
        model->postCfg = std::move(patches);
        return test::runGuided(model, kind, cfg, positive, negative, at::tensor({3.0f, 0.0f}), latent);
    };
    const PostCfgPatch zeroStar{PostCfgPatch::Kind::CfgZeroStar}, halfNorm{PostCfgPatch::Kind::CfgNorm, 0.5};
    const at::Tensor plain = run({}, Guider::Kind::Cfg, 7.0);
    EXPECT_GT(maxAbs(run({zeroStar}, Guider::Kind::Cfg, 7.0) - plain), 1e-3 * maxAbs(plain));

    // cfg 1: the negative is not evaluated and the patches see zeros for it, as ComfyUI's do. CFG-Zero* then
    // adds nothing; CFGNorm still scales the positive (|cond| / (|cond| + 1e-8) of it) by its strength.
    const at::Tensor cond = run({}, Guider::Kind::Basic, 1.0);
    EXPECT_LT(maxAbs(run({zeroStar}, Guider::Kind::Cfg, 1.0) - cond), 1e-6 * maxAbs(cond));
    EXPECT_LT(maxAbs(run({halfNorm}, Guider::Kind::Cfg, 1.0) - cond * 0.5), 1e-5 * maxAbs(cond));
    EXPECT_LT(maxAbs(run({halfNorm}, Guider::Kind::Basic, 1.0) - cond * 0.5), 1e-5 * maxAbs(cond));
}
