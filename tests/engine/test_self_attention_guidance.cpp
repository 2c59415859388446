// SelfAttentionGuidance: the Gaussian blur, the blur map from the negative's middle-block attention, the
// recording of that attention in a UNet call, and the guidance term through the guiders.
#include "core/common/error.h"
#include "core/engine/networks/attention.h"
#include "core/engine/networks/self_attention_record.h"
#include "core/engine/sampling/post_cfg.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_models.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::maxAbs;

namespace {

int64_t reflect(int64_t i, int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; }

// A 9x9 Gaussian over reflect padding by direct sums in float64.
at::Tensor blurByDirectSums(const at::Tensor& images, double sigma) {
    const at::Tensor in = images.to(at::kDouble).contiguous();
    at::Tensor out = at::zeros_like(in);
    double weights[9], total = 0;
    for (int i = 0; i < 9; ++i) total += weights[i] = std::exp(-0.5 * std::pow((i - 4) / sigma, 2));
    const int64_t planes = in.size(0) * in.size(1), h = in.size(2), w = in.size(3);
    const double* src = in.data_ptr<double>();
    double* dst = out.data_ptr<double>();
    for (int64_t p = 0; p < planes; ++p)
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
                double sum = 0;
                for (int dy = -4; dy <= 4; ++dy)
                    for (int dx = -4; dx <= 4; ++dx)
                        sum += weights[dy + 4] * weights[dx + 4] / (total * total) *
                               src[(p * h + reflect(y + dy, h)) * w + reflect(x + dx, w)];
                dst[(p * h + y) * w + x] = sum;
            }
    return out;
}

// Softmax rows: [batch * heads, tokens, tokens].
at::Tensor randomScores(int64_t rows, int64_t tokens) { return at::softmax(at::randn({rows, tokens, tokens}) * 3, -1); }

}  // namespace

TEST(SelfAttentionGuidance, GaussianBlurMatchesDirectSumsOverReflectPadding) {
    at::manual_seed(1);
    for (const double sigma : {2.0, 0.7, 6.0}) {
        const at::Tensor images = at::randn({2, 3, 7, 11});
        const at::Tensor want = blurByDirectSums(images, sigma);
        EXPECT_LT(maxAbs(gaussianBlur2d(images, 9, sigma).to(at::kDouble) - want), 2e-6 * maxAbs(want)) << sigma;
    }
}

TEST(SelfAttentionGuidance, BlurMapBlursWhereTheHeadsAttentionSumsAboveTheThreshold) {
    at::manual_seed(2);
    // 13x10 latent cells reach the middle block as 4x3 tokens: ComfyUI's ratio 4, a 4x3 grid.
    const int64_t batch = 2, heads = 8, height = 13, width = 10, gridH = 4, gridW = 3, tokens = gridH * gridW;
    const at::Tensor x0 = at::randn({batch, 4, height, width});
    const at::Tensor scores = randomScores(batch * heads, tokens);
    const at::Tensor got = selfAttentionBlurMap(x0, scores, 2.0, 1.0).to(at::kDouble);
    const at::Tensor blurred = blurByDirectSums(x0, 2.0);
    const at::Tensor s = scores.to(at::kDouble).reshape({batch, heads, tokens, tokens});
    int blurredCells = 0;
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t y = 0; y < height; ++y)
            for (int64_t x = 0; x < width; ++x) {
                const int64_t key = (y * gridH / height) * gridW + x * gridW / width;
                const bool attended = s[b].select(2, key).sum().item<double>() / heads > 1.0;
                blurredCells += attended;
                const at::Tensor want = attended ? blurred[b].select(1, y).select(1, x) : x0[b].select(1, y).select(1, x).to(at::kDouble);
                EXPECT_LT(maxAbs(got[b].select(1, y).select(1, x) - want), 1e-5) << b << " " << y << " " << x;
            }
    EXPECT_GT(blurredCells, 0);
    EXPECT_LT(blurredCells, batch * height * width);

    EXPECT_TRUE(at::equal(selfAttentionBlurMap(x0, scores, 0.0, 1.0), x0));  // no blur at sigma 0
    try {
        selfAttentionBlurMap(x0, randomScores(batch * heads, 9), 2.0, 1.0);
        FAIL() << "an attention of 9 tokens cannot cover a 13x10 latent";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("4x3 grid"), std::string::npos) << e.what();
    }
}

TEST(SelfAttentionGuidance, RecordingKeepsTheNegativeRowsScoresAndChangesNothingElse) {
    const UNet unet = test::tinyUNet();
    at::manual_seed(3);
    const at::Tensor x = at::randn({2, 4, 16, 16}), t = at::tensor({600.0f}), context = at::randn({2, 77, 64});
    const at::Tensor plain = unet.forward(x, t, context);
    AttentionRecord record;
    const int middle = unet.middleTransformers().first;
    const RecordingSelfAttention second(nullptr, middle, 1, 1, record);
    EXPECT_LT(maxAbs(unet.forward(x, t, context, nullptr, {}, &second) - plain), 1e-5 * maxAbs(plain));
    // The middle block of a 16x16 latent: 4x4 tokens, 8 heads.
    ASSERT_EQ(record.scores.sizes(), (at::IntArrayRef{8, 16, 16}));
    EXPECT_LT(maxAbs(record.scores.sum(-1) - 1), 1e-5);
    const at::Tensor recordedSecond = record.scores;

    // The same image alone records the same scores.
    const RecordingSelfAttention only(nullptr, middle, 0, 1, record);
    unet.forward(x.narrow(0, 1, 1), t, context.narrow(0, 1, 1), nullptr, {}, &only);
    EXPECT_LT(maxAbs(record.scores - recordedSecond), 1e-5);
    const RecordingSelfAttention first(nullptr, middle, 0, 1, record);
    unet.forward(x, t, context, nullptr, {}, &first);
    EXPECT_GT(maxAbs(record.scores - recordedSecond), 1e-3);

    // Attention with scores computes what the engine's attention does.
    const at::Tensor q = at::randn({2, 20, 64}), k = at::randn({2, 20, 64}), v = at::randn({2, 20, 64});
    const auto [out, scores] = attentionWithScores(q, k, v, 8);
    EXPECT_LT(maxAbs(out - attention(q, k, v, 8)), 1e-5 * maxAbs(out));
    EXPECT_EQ(scores.sizes(), (at::IntArrayRef{2, 8, 20, 20}));
}

TEST(SelfAttentionGuidance, AddsTheGuidanceAwayFromTheNegativeOnItsDegradedCopy) {
    at::manual_seed(4);
    const at::Tensor x = at::randn({1, 4, 8, 8}), cond = at::randn({1, 4, 8, 8}), uncond = at::randn({1, 4, 8, 8});
    const at::Tensor guided = at::randn({1, 4, 8, 8}), scores = randomScores(8, 4);
    const at::Tensor degraded = selfAttentionBlurMap(uncond, scores, 2.0, 1.0);
    int calls = 0;
    const Denoiser negative = [&](const at::Tensor& in, double sigma) {
        ++calls;
        EXPECT_EQ(sigma, 1.5);
        EXPECT_TRUE(at::equal(in, degraded + x - uncond));
        return in * 0.5;
    };
    const PostCfgArgs step{x, 1.5, cond, uncond};
    const at::Tensor got = selfAttentionGuidance(0.75, 2.0, [&] { return scores; }, negative)(step, guided);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(at::equal(got, guided + (degraded - (degraded + x - uncond) * 0.5) * 0.75));
    EXPECT_TRUE(at::equal(selfAttentionGuidance(0.0, 2.0, [&] { return scores; }, negative)(step, guided), guided));
    EXPECT_EQ(calls, 1);

    // 4 cells a side leave no room for the blur: unchanged, as in ComfyUI.
    const at::Tensor small = at::randn({1, 4, 4, 4});
    const PostCfgArgs smallStep{small, 1.5, small, small};
    EXPECT_TRUE(at::equal(selfAttentionGuidance(0.75, 2.0, [&] { return scores; }, negative)(smallStep, small), small));
    EXPECT_THROW(selfAttentionGuidance(0.75, 2.0, [] { return at::Tensor(); }, negative)(step, guided), Error);
}

TEST(SelfAttentionGuidance, GuidersRecordTheNegativeAndMoveTheRun) {
    const LoadedCheckpoint ckpt = test::loadTinySd15();
    at::manual_seed(22);
    Conditioning positive, negative;
    positive.context = at::randn({1, 77, 64});
    negative.context = at::randn({1, 77, 64});
    const auto run = [&](double scale, Guider::Kind kind, int64_t size, double cfg = 7.0) {
        auto model = std::make_shared<DiffusionModel>(*ckpt.model);
        if (scale != 0) model->postCfg.push_back({PostCfgPatch::Kind::SelfAttention, scale, 2.0});
        return test::runGuided(model, kind, cfg, positive, negative, at::tensor({5.0f, 2.0f, 0.0f}),
                               at::full({1, 4, size, size}, 0.3f), 5);
    };
    const at::Tensor plain = run(0, Guider::Kind::Cfg, 16);
    const at::Tensor guided = run(0.8, Guider::Kind::Cfg, 16);
    EXPECT_TRUE(at::isfinite(guided).all().item<bool>());
    EXPECT_GT(maxAbs(guided - plain), 1e-3 * maxAbs(plain));
    EXPECT_GT(maxAbs(run(0.8, Guider::Kind::Cfg, 16, 1.0) - run(0, Guider::Kind::Cfg, 16, 1.0)), 1e-3 * maxAbs(plain));
    // A 4x4 latent is left alone, but for the recorded attention's rounding (explicit scores in the negative's call).
    const at::Tensor small = run(0, Guider::Kind::Cfg, 4);
    EXPECT_LT(maxAbs(run(0.8, Guider::Kind::Cfg, 4) - small), 1e-5 * maxAbs(small));
    try {
        run(0.8, Guider::Kind::Basic, 16);
        FAIL() << "BasicGuider has no negative to guide away from";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("negative prompt"), std::string::npos) << e.what();
    }
}
