// Guidance over conditioning lists (ComfyUI's calc_cond_batch): areas, feathered edges, strengths,
// masks, timestep ranges and the matching areas the other side gets, against values computed here.
#include "core/common/error.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/regional_cfg.h"
#include "tests/support/sampling_fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;

namespace {

using tessera::test::eps;

// eps = the mean of the entry's context, whatever the input: x0 = x - mean * sigma.
struct ConstantModel {
    std::vector<ModelCallInput> calls;
    ModelFn fn() {
        return [this](const ModelCallInput& in, const at::Tensor& context) {
            calls.push_back(in);
            return at::zeros_like(in.xIn) + context.mean({1, 2}).reshape({-1, 1, 1, 1});
        };
    }
};

Conditioning text(float value) { return Conditioning{at::full({1, 3, 4}, value)}; }

Conditioning area(float value, double h, double w, double y, double x, double strength = 1.0) {
    Conditioning c = text(value);
    c.area = ConditioningArea{false, h, w, y, x};
    c.strength = strength;
    return c;
}

}  // namespace

TEST(RegionalCfg, AreaEntriesAverageWithTheFullOneByStrengthInsideTheirArea) {
    ConstantModel model;
    // 8x8 latent; a 4x4 area at (2, 2): feathering is min(8, 4 / 4) = 1 cell, a factor of 1.
    const std::vector<Conditioning> positive = {text(1.0f), area(3.0f, 4, 4, 2, 2, 2.0)};
    const Denoiser d = makeRegionalCfgDenoiser(eps(), model.fn(), resolveConds(positive, 8, 8), {}, 1.0);
    const at::Tensor x = at::zeros({1, 4, 8, 8});
    const double sigma = 2.0;
    const at::Tensor got = d(x, sigma);
    ASSERT_EQ(model.calls.size(), 2u);
    EXPECT_EQ(model.calls[1].xIn.sizes(), (at::IntArrayRef{1, 4, 4, 4}));
    EXPECT_EQ(model.calls[1].condIndex, 1);
    at::Tensor want = at::full({1, 4, 8, 8}, -1.0f * sigma);
    want.narrow(2, 2, 4).narrow(3, 2, 4).fill_((-1.0 * sigma * 1 + -3.0 * sigma * 2) / 3);
    EXPECT_TRUE(at::allclose(got, want, 1e-6, 1e-6));
}

TEST(RegionalCfg, InnerEdgesOfAnAreaFadeOverUpToEightCells) {
    ConstantModel model;
    // 32x32 latent; a 16 x 32 area at the top: only its bottom edge is inside, rr = min(8, 16 / 4) = 4.
    const std::vector<Conditioning> positive = {text(0.0f), area(1.0f, 16, 32, 0, 0)};
    const at::Tensor got = makeRegionalCfgDenoiser(eps(), model.fn(), resolveConds(positive, 32, 32), {}, 1.0)(
        at::zeros({1, 1, 32, 32}), 1.0);
    // Row 15 - t weighs (t + 1) / 4 against the full entry's 1: x0 = -w / (1 + w).
    for (int64_t t = 0; t < 4; ++t) {
        const double w = (t + 1) / 4.0;
        EXPECT_NEAR(got[0][0][15 - t][7].item<double>(), -w / (1 + w), 1e-6) << "row " << 15 - t;
    }
    EXPECT_NEAR(got[0][0][3][3].item<double>(), -0.5, 1e-6);  // deep inside: equal weights
    EXPECT_NEAR(got[0][0][20][3].item<double>(), 0.0, 1e-6);  // outside: the full entry only
}

TEST(RegionalCfg, PercentageAreasResolveWithPythonRounding) {
    Conditioning c = text(1.0f);
    c.area = ConditioningArea{true, 0.5, 0.25, 0.3, 0.1};
    const auto r = resolveConds({c}, 10, 10);
    ASSERT_TRUE(r[0].area);
    // round(5.0) = 5, round(2.5) = 2 (half to even), round(3.0) = 3, round(1.0) = 1
    EXPECT_EQ(*r[0].area, (std::array<int64_t, 4>{5, 2, 3, 1}));
    c.area = ConditioningArea{true, 0.0, 0.0, 0.0, 0.0};
    EXPECT_EQ(*resolveConds({c}, 10, 10)[0].area, (std::array<int64_t, 4>{1, 1, 0, 0}));  // at least one cell
}

TEST(RegionalCfg, MasksWeighPerPixelAndBoundsBecomeAnArea) {
    ConstantModel model;
    Conditioning masked = text(2.0f);
    at::Tensor mask = at::zeros({1, 16, 16});
    mask.narrow(1, 4, 6).narrow(2, 2, 3).fill_(0.5);
    masked.mask = mask;
    masked.maskStrength = 2.0;  // weight 0.5 * 2 = 1 where the mask is
    const auto resolved = resolveConds({text(0.0f), masked}, 16, 16);
    EXPECT_FALSE(resolved[1].area);
    const at::Tensor got = makeRegionalCfgDenoiser(eps(), model.fn(), resolved, {}, 1.0)(at::zeros({1, 1, 16, 16}), 1.0);
    EXPECT_NEAR(got[0][0][5][3].item<double>(), -1.0, 1e-6);  // (0 * 1 + -2 * 1) / 2
    EXPECT_NEAR(got[0][0][0][0].item<double>(), 0.0, 1e-6);
    // "mask bounds": the model sees only the bounding box, grown to 8 cells.
    masked.setAreaToBounds = true;
    const auto bounded = resolveConds({masked}, 16, 16);
    ASSERT_TRUE(bounded[0].area);
    EXPECT_EQ(*bounded[0].area, (std::array<int64_t, 4>{8, 8, 4, 2}));
    // A mask of another size is resized bilinearly to the latent.
    masked.mask = at::ones({1, 32, 32});
    EXPECT_EQ(resolveConds({masked}, 16, 16)[0].mask.sizes(), (at::IntArrayRef{1, 16, 16}));
}

TEST(RegionalCfg, TimestepRangesSwitchEntriesByTheSchedule) {
    ConstantModel model;
    Conditioning early = text(1.0f), late = text(5.0f);
    early.endPercent = 0.5;
    late.startPercent = 0.5;
    const Denoiser d = makeRegionalCfgDenoiser(eps(), model.fn(), resolveConds({early, late}, 2, 2), {}, 1.0);
    const double high = eps().percentToSigma(0.1), low = eps().percentToSigma(0.9);
    EXPECT_NEAR(d(at::zeros({1, 1, 2, 2}), high).mean().item<double>(), -1.0 * high, 1e-4);
    EXPECT_NEAR(d(at::zeros({1, 1, 2, 2}), low).mean().item<double>(), -5.0 * low, 1e-4);
}

TEST(RegionalCfg, GuidanceMixesTheSidesAndAreasGetAMatchingNegative) {
    std::vector<ResolvedCond> positive = resolveConds({text(1.0f), area(3.0f, 2, 2, 0, 0)}, 4, 4);
    std::vector<ResolvedCond> negative = resolveConds({text(-1.0f)}, 4, 4);
    addMatchingAreas(negative, positive);
    addMatchingAreas(positive, negative);
    ASSERT_EQ(positive.size(), 2u);  // the negative's copy has exactly the positive area: nothing added
    ASSERT_EQ(negative.size(), 2u);
    ASSERT_TRUE(negative[1].area);
    EXPECT_EQ(*negative[1].area, (std::array<int64_t, 4>{2, 2, 0, 0}));
    EXPECT_TRUE(at::equal(negative[1].cond.context, negative[0].cond.context));  // the negative's text
    ConstantModel model;
    const double cfg = 3.0, sigma = 1.0;
    const at::Tensor got = makeRegionalCfgDenoiser(eps(), model.fn(), positive, negative, cfg)(at::zeros({1, 1, 4, 4}), sigma);
    EXPECT_EQ(model.calls.size(), 4u);
    // Inside the area: cond = (-1 - 3) / 2, uncond = (1 + 1) / 2; outside: -1 and 1.
    EXPECT_NEAR(got[0][0][0][0].item<double>(), 1.0 + (-2.0 - 1.0) * cfg, 1e-5);
    EXPECT_NEAR(got[0][0][3][3].item<double>(), 1.0 + (-1.0 - 1.0) * cfg, 1e-5);
}

TEST(RegionalCfg, MismatchedTextWidthsAreRefused) {
    ConstantModel model;
    Conditioning wide{at::zeros({1, 3, 8})};
    try {
        makeRegionalCfgDenoiser(eps(), model.fn(), resolveConds({text(1.0f), wide}, 2, 2), {}, 1.0);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("different text models"), std::string::npos) << e.what();
    }
}
