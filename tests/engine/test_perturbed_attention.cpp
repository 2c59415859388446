// PerturbedAttentionGuidance: the perturbed UNet call (middle-block self-attention returning its values)
// and the guidance it adds after cfg, through the samplers' guiders.
#include "core/engine/networks/perturbed_attention.h"
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/sampling/post_cfg.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_models.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::maxAbs;

namespace {

// Every transformer's self-attention returns its values.
class AllSelfAttentionAsValues final : public TransformerPatch {
public:
    at::Tensor afterSelfAttention(const at::Tensor& x, int, int) const override { return x; }
    bool replacesSelfAttention(int, int) const override { return true; }
    at::Tensor selfAttention(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options, int,
                             int) const override {
        return attention.values(x, options);
    }
};

// Records which transformers it ran in, and makes the self-attention of transformers `perturbs` return
// their values.
class RecordingPatch final : public TransformerPatch {
public:
    explicit RecordingPatch(std::set<int> perturbs) : perturbs_(std::move(perturbs)) {}
    at::Tensor afterSelfAttention(const at::Tensor& x, int transformerIndex, int) const override {
        seen.push_back(transformerIndex);
        return x;
    }
    bool replacesSelfAttention(int transformerIndex, int) const override { return perturbs_.count(transformerIndex) > 0; }
    at::Tensor selfAttention(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options, int,
                             int) const override {
        return attention.values(x, options);
    }
    mutable std::vector<int> seen;

private:
    std::set<int> perturbs_;
};

}  // namespace

TEST(PerturbedAttention, OnlyTheMiddleBlocksSelfAttentionReturnsItsValues) {
    const UNet unet = test::tinyUNet();
    // Attention at the first two levels, one res block each: 2 input, 1 middle (index 2), 4 output transformers.
    ASSERT_EQ(unet.transformerCount(), 7);
    ASSERT_EQ(unet.middleTransformers(), std::make_pair(2, 3));
    const PerturbedSelfAttention perturbed(nullptr, unet.middleTransformers());
    at::manual_seed(5);
    const at::Tensor t = at::tensor({400.0f}), context = at::randn({1, 77, 64});

    // A 4x4 latent reaches the middle block at 1x1: attention over its one token is that token's value, so
    // returning the values there changes nothing; perturbing every transformer (16 tokens at the first
    // level) does.
    const at::Tensor small = at::randn({1, 4, 4, 4});
    const at::Tensor plainSmall = unet.forward(small, t, context);
    EXPECT_LT(maxAbs(unet.forward(small, t, context, nullptr, {}, &perturbed) - plainSmall), 1e-5 * maxAbs(plainSmall));
    const AllSelfAttentionAsValues everywhere;
    EXPECT_GT(maxAbs(unet.forward(small, t, context, nullptr, {}, &everywhere) - plainSmall), 1e-3 * maxAbs(plainSmall));

    // At 8x8 the middle block sees 4 tokens, and the perturbed output moves.
    const at::Tensor x = at::randn({2, 4, 8, 8});
    const at::Tensor plain = unet.forward(x, t, context);
    const at::Tensor moved = unet.forward(x, t, context, nullptr, {}, &perturbed);
    EXPECT_GT(maxAbs(moved - plain), 1e-3 * maxAbs(plain));

    // An inner patch (GLIGEN's place) still runs in every transformer, and its own replacements elsewhere too.
    const RecordingPatch inner({0});
    const PerturbedSelfAttention wrapped(&inner, unet.middleTransformers());
    const at::Tensor both = unet.forward(x, t, context, nullptr, {}, &wrapped);
    EXPECT_EQ(inner.seen, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
    const RecordingPatch firstAndMiddle({0, 2}), middleOnly({2});
    EXPECT_EQ(maxAbs(both - unet.forward(x, t, context, nullptr, {}, &firstAndMiddle)), 0.0);
    EXPECT_GT(maxAbs(both - moved), 1e-3 * maxAbs(plain));
    EXPECT_EQ(maxAbs(unet.forward(x, t, context, nullptr, {}, &middleOnly) - moved), 0.0);
}

TEST(PerturbedAttention, PostCfgAddsEachScaleAfterTheInnerGuidance) {
    at::manual_seed(8);
    const at::Tensor x = at::randn({1, 4, 6, 6}), cond = at::randn({1, 4, 6, 6}), uncond = at::randn({1, 4, 6, 6});
    const at::Tensor perturbedX0 = at::randn({1, 4, 6, 6});
    int calls = 0;
    const Denoiser perturbed = [&](const at::Tensor& in, double sigma) {
        EXPECT_TRUE(in.is_same(x));
        EXPECT_EQ(sigma, 2.5);
        ++calls;
        return perturbedX0;
    };
    const auto pag = [&](std::vector<double> scales, CfgCombine inner = {}) {
        std::vector<PostCfgFunction> functions;
        for (double s : scales) functions.push_back(perturbedAttentionGuidance(s, perturbed));
        return withPostCfg(std::move(inner), std::move(functions))(x, 2.5, cond, uncond, 6.0);
    };
    const at::Tensor plain = uncond + (cond - uncond) * 6.0;
    EXPECT_TRUE(at::equal(pag({2.0, 0.0, 0.5}), (plain + (cond - perturbedX0) * 2.0) + (cond - perturbedX0) * 0.5));
    EXPECT_EQ(calls, 2);  // one call per node, as each ComfyUI post-CFG function makes its own
    EXPECT_TRUE(at::equal(pag({0.0}), plain));
    EXPECT_EQ(calls, 2);  // scale 0: no call

    const CfgCombine rescale = rescaleCfgCombine(0.7);
    EXPECT_TRUE(at::equal(pag({3.0}, rescale), rescale(x, 2.5, cond, uncond, 6.0) + (cond - perturbedX0) * 3.0));
}

// One Euler step from sigma to 0 returns the guider's x0 estimate, so whole sampling runs expose the guidance:
// CFG with PAG = CFG + (positive - perturbed positive) * scale, the perturbed positive read through a BasicGuider
// on a model whose calls are perturbed.
TEST(PerturbedAttention, GuidersAddTheGuidanceAwayFromThePerturbedPositive) {
    const LoadedCheckpoint ckpt = test::loadTinySd15();
    at::manual_seed(21);
    Conditioning positive, negative;
    positive.context = at::randn({1, 77, 64});
    negative.context = at::randn({1, 77, 64});
    const at::Tensor latent = at::randn({1, 4, 8, 8});
    const auto run = [&](const std::shared_ptr<const DiffusionModel>& model, Guider::Kind kind, double cfg) {
        return test::runGuided(model, kind, cfg, positive, negative, at::tensor({3.0f, 0.0f}), latent);
    };
    const auto patched = [&](std::vector<double> scales, bool perturbedCalls) {
        auto m = std::make_shared<DiffusionModel>(*ckpt.model);
        for (double scale : scales) m->postCfg.push_back({PostCfgPatch::Kind::PerturbedAttention, scale});
        m->perturbedMiddleAttention = perturbedCalls;
        return std::shared_ptr<const DiffusionModel>(m);
    };
    const at::Tensor cond = run(ckpt.model, Guider::Kind::Basic, 1.0);
    const at::Tensor pag = run(patched({}, true), Guider::Kind::Basic, 1.0);
    const double towardsPag = maxAbs(cond - pag);
    ASSERT_GT(towardsPag, 1e-3 * maxAbs(cond));

    for (const double cfg : {7.0, 1.0}) {
        const at::Tensor guided = run(ckpt.model, Guider::Kind::Cfg, cfg);
        const at::Tensor got = run(patched({3.0}, false), Guider::Kind::Cfg, cfg);
        EXPECT_LT(maxAbs(got - (guided + (cond - pag) * 3.0)), 1e-5 * maxAbs(got)) << "cfg " << cfg;
        EXPECT_GT(maxAbs(got - guided), 1.0 * towardsPag) << "cfg " << cfg;
        // Scale 0 adds nothing. At cfg 1 the negative is still evaluated (weighted 0) in a batch of 2, so the
        // UNet's rounding differs (2.4e-6 relative seen).
        const at::Tensor zeroScale = run(patched({0.0}, false), Guider::Kind::Cfg, cfg);
        if (cfg == 1.0)
            EXPECT_LT(maxAbs(zeroScale - guided), 1e-5 * maxAbs(guided));
        else
            EXPECT_TRUE(at::equal(zeroScale, guided));
    }
    const at::Tensor basic = run(patched({2.0, 0.5}, false), Guider::Kind::Basic, 1.0);
    EXPECT_LT(maxAbs(basic - (cond + (cond - pag) * 2.5)), 1e-5 * maxAbs(basic));
}
