// APG and TCFG (pre-CFG), Mahiro (post-CFG) and Perp-Neg: their formulas against PyTorch's numbers
// (tests/fixtures/guidance, made by make_guidance_reference.py from ComfyUI's formulas), and how the guiders run
// them on the tiny model, at cfg 1 included.
#include "core/engine/sampling/perp_neg.h"
#include "core/engine/sampling/post_cfg.h"
#include "core/engine/sampling/pre_cfg.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_models.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::maxAbs;

namespace {

class GuidanceReference : public ::testing::Test {
protected:
    void SetUp() override {
        QFile f(QString::fromStdString(test::sourceDir() + "/tests/fixtures/guidance/guidance_reference.json"));
        ASSERT_TRUE(f.open(QIODevice::ReadOnly));
        json = QJsonDocument::fromJson(f.readAll()).object();
        for (const auto& v : json.value("shape").toArray()) shape.push_back(v.toInt());
        cfg = json.value("cfg").toDouble();
        x = tensor(json.value("x"));
        cond = tensor(json.value("cond"));
        uncond = tensor(json.value("uncond"));
        empty = tensor(json.value("empty"));
    }

    at::Tensor tensor(const QJsonValue& list) const {
        std::vector<float> values;
        for (const auto& v : list.toArray()) values.push_back(static_cast<float>(v.toDouble()));
        return at::tensor(values, at::kFloat).view(shape);
    }
    // float32 against PyTorch's float32: within 1e-5 of the values' size.
    void expectNear(const at::Tensor& got, const at::Tensor& want, const std::string& what) const {
        EXPECT_LT(maxAbs(got - want), 1e-5 * std::max(1.0, maxAbs(want))) << what;
    }

    QJsonObject json;
    std::vector<int64_t> shape;
    double cfg = 0;
    at::Tensor x, cond, uncond, empty;
};

TEST_F(GuidanceReference, AdaptiveProjectedGuidanceWithAndWithoutMomentum) {
    const PreCfgFunction apg = adaptiveProjectedGuidance(0.6, 3.0, 0.5);
    const QJsonArray calls = json.value("apg_momentum").toArray();
    const double sigmas[3] = {3.0, 2.0, 4.0};  // the third rises: the running average starts again
    for (int i = 0; i < 3; ++i) {
        const auto [newCond, sameUncond] = apg({x, sigmas[i], cfg}, cond * (1 + 0.1 * i), uncond);
        expectNear(newCond, tensor(calls[i]), "call " + std::to_string(i));
        EXPECT_TRUE(sameUncond.equal(uncond));
    }
    const auto [plain, ignored] = adaptiveProjectedGuidance(1.5, 0.0, 0.0)({x, 1.0, cfg}, cond, uncond);
    expectNear(plain, tensor(json.value("apg_plain")), "eta 1.5, no cap, no momentum");
    // eta 1 without cap or momentum: cfg over APG's estimates gives cond + (cond - uncond) * cfg, plain guidance at
    // scale cfg + 1, as ComfyUI's code does.
    const auto [unit, unused] = adaptiveProjectedGuidance(1.0, 0.0, 0.0)({x, 1.0, cfg}, cond, uncond);
    expectNear(uncond + (unit - uncond) * cfg, cond + (cond - uncond) * cfg, "eta 1");
}

TEST_F(GuidanceReference, TangentialDampingProjectsTheNegativesScore) {
    const auto [sameCond, damped] = tangentialDampingCfg()({x, 2.0, cfg}, cond, uncond);
    EXPECT_TRUE(sameCond.equal(cond));
    expectNear(damped, tensor(json.value("tcfg_uncond")), "TCFG");
    // Without the negative's estimate (cfg 1, BasicGuider) it changes nothing.
    const auto [c, u] = preCfgFunction({PreCfgPatch::Kind::TangentialDamping}, false)({x, 2.0, 1.0}, cond, uncond);
    EXPECT_TRUE(u.equal(uncond));
}

TEST_F(GuidanceReference, MahiroAndPerpNegFormulas) {
    const at::Tensor guided = uncond + (cond - uncond) * cfg;
    expectNear(mahiro()({x, 2.0, cond, uncond, cfg}, guided), tensor(json.value("mahiro")), "Mahiro");
    expectNear(perpNegGuidance(cond, uncond, empty, 1.3, cfg), tensor(json.value("perp_neg")), "Perp-Neg");
    // A negative along the positive has no perpendicular part: plain guidance from the empty prompt.
    expectNear(perpNegGuidance(cond, empty + (cond - empty) * 0.3, empty, 1.3, cfg), empty + (cond - empty) * cfg,
               "parallel negative");
}

// One Euler step from sigma to 0 returns the guider's x0 estimate.
class GuidanceOnTheTinyModel : public ::testing::Test {
protected:
    GuidanceOnTheTinyModel() : ckpt(test::loadTinySd15()) {
        at::manual_seed(29);
        positive.context = at::randn({1, 77, 64});
        negative.context = at::randn({1, 77, 64});
        emptyPrompt.context = at::randn({1, 77, 64});
        latent = at::randn({1, 4, 8, 8});
    }
    std::shared_ptr<DiffusionModel> patched(std::vector<PreCfgPatch> pre, std::vector<PostCfgPatch> post = {}) const {
        auto model = std::make_shared<DiffusionModel>(*ckpt.model);
        model->preCfg = std::move(pre);
        model->postCfg = std::move(post);
        return model;
    }
    at::Tensor guided(const std::shared_ptr<const DiffusionModel>& model, Guider::Kind kind, double cfg) const {
        return test::runGuided(model, kind, cfg, positive, negative, sigmas, latent);
    }
    at::Tensor side(const Conditioning& c) const {
        return test::runGuided(ckpt.model, Guider::Kind::Basic, 1.0, c, c, sigmas, latent);
    }
    at::Tensor perpNeg(const std::shared_ptr<const DiffusionModel>& model, double cfg, double negScale) const {
        CustomSamplerRequest r;
        r.guider.kind = Guider::Kind::PerpNeg;
        r.guider.model = model;
        r.guider.positive = {positive};
        r.guider.negative = {negative};
        r.guider.middle = {emptyPrompt};
        r.guider.cfg = cfg;
        r.guider.negScale = negScale;
        r.sigmas = sigmas;
        r.latent = latent;
        r.addNoise = false;
        return runCustomSampler(r);
    }

    LoadedCheckpoint ckpt;
    Conditioning positive, negative, emptyPrompt;
    at::Tensor latent, sigmas = at::tensor({3.0f, 0.0f});
};

TEST_F(GuidanceOnTheTinyModel, PreCfgPatchesRunBeforeGuidanceAndAtCfgOneOnAZeroNegative) {
    const PreCfgPatch apg{PreCfgPatch::Kind::AdaptiveProjected, 0.5, 2.0, 0.0}, tcfg{PreCfgPatch::Kind::TangentialDamping};
    const at::Tensor plain = guided(ckpt.model, Guider::Kind::Cfg, 6.0);
    const at::Tensor p = side(positive) * 0.18215, n = side(negative) * 0.18215;  // x0 in the sampler's scaled space
    const at::Tensor x = latent * 0.18215 + 0.0;  // no noise: x is the scaled latent at sigma 3
    // KSampler with APG: cfg over APG's estimates.
    const auto [apgCond, apgUncond] = adaptiveProjectedGuidance(0.5, 2.0, 0.0)({x, 3.0, 6.0}, p, n);
    const at::Tensor wantApg = (apgUncond + (apgCond - apgUncond) * 6.0) / 0.18215;
    const at::Tensor gotApg = guided(patched({apg}), Guider::Kind::Cfg, 6.0);
    EXPECT_LT(maxAbs(gotApg - wantApg), 1e-4 * maxAbs(wantApg));
    EXPECT_GT(maxAbs(gotApg - plain), 1e-3 * maxAbs(plain));
    // TCFG then APG, in patch order.
    const auto [tc, tu] = tangentialDampingCfg()({x, 3.0, 6.0}, p, n);
    const auto [both, bu] = adaptiveProjectedGuidance(0.5, 2.0, 0.0)({x, 3.0, 6.0}, tc, tu);
    const at::Tensor wantBoth = (bu + (both - bu) * 6.0) / 0.18215;
    EXPECT_LT(maxAbs(guided(patched({tcfg, apg}), Guider::Kind::Cfg, 6.0) - wantBoth), 1e-4 * maxAbs(wantBoth));
    // cfg 1: the negative is not evaluated; APG works on zeros for it, TCFG leaves the positive alone.
    const auto [apgAtOne, zero] = adaptiveProjectedGuidance(0.5, 2.0, 0.0)({x, 3.0, 1.0}, p, at::zeros_like(p));
    EXPECT_LT(maxAbs(guided(patched({apg}), Guider::Kind::Cfg, 1.0) - apgAtOne / 0.18215), 1e-4 * maxAbs(p / 0.18215));
    EXPECT_LT(maxAbs(guided(patched({tcfg}), Guider::Kind::Basic, 1.0) - p / 0.18215), 1e-5 * maxAbs(p / 0.18215));
}

TEST_F(GuidanceOnTheTinyModel, PerpNegGuiderCombinesThreePromptsAndSkipsAsComfyUI) {
    const at::Tensor p = side(positive), n = side(negative), e = side(emptyPrompt);
    const at::Tensor want = perpNegGuidance(p * 0.18215, n * 0.18215, e * 0.18215, 1.3, 6.0) / 0.18215;
    const at::Tensor got = perpNeg(ckpt.model, 6.0, 1.3);
    EXPECT_LT(maxAbs(got - want), 1e-4 * maxAbs(want));
    // neg_scale 0 at cfg 1 evaluates the positive alone; neg_scale 0 otherwise guides from the empty prompt.
    EXPECT_LT(maxAbs(perpNeg(ckpt.model, 1.0, 0.0) - p), 1e-5 * maxAbs(p));
    const at::Tensor fromEmpty = e + (p - e) * 6.0;
    EXPECT_LT(maxAbs(perpNeg(ckpt.model, 6.0, 0.0) - fromEmpty), 1e-4 * maxAbs(fromEmpty));
    // The model's post-CFG patches run on the result (Mahiro here); SelfAttentionGuidance is refused by name.
    const at::Tensor mahiroWant =
        mahiro()({latent * 0.18215, 3.0, p * 0.18215, n * 0.18215, 6.0}, want * 0.18215) / 0.18215;
    EXPECT_LT(maxAbs(perpNeg(patched({}, {{PostCfgPatch::Kind::Mahiro}}), 6.0, 1.3) - mahiroWant), 1e-4 * maxAbs(mahiroWant));
    try {
        perpNeg(patched({}, {{PostCfgPatch::Kind::SelfAttention, 0.5, 2.0}}), 6.0, 1.3);
        ADD_FAILURE() << "SelfAttentionGuidance ran under PerpNegGuider";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("PerpNegGuider"), std::string::npos) << e.what();
    }
}

}  // namespace
