// GLIGEN on tiny-sd15: the tiny file in the published key layout loads with its hyper-parameters from
// shapes; the position net's tokens and the UNet with one and two boxes match an independent Python
// implementation of ComfyUI's semantics (tests/fixtures/gligen/make_gligen_fixtures.py); the pooled
// phrase embedding is refdata's CLIP output at the end token; mismatches are named.
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "core/engine/networks/gligen.h"
#include "core/engine/networks/unet.h"
#include "core/engine/patches/gligen_patch.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/text/pooled_text.h"
#include "core/engine/text/text_encoder.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;

namespace {

std::string gligenFixture(const std::string& name) { return test::sourceDir() + "/tests/fixtures/gligen/" + name; }

std::shared_ptr<const GligenModel> tinyGligen() {
    static const auto model = loadGligenFile(gligenFixture("tiny_gligen_sd15.safetensors"));
    return model;
}

const std::map<std::string, at::Tensor>& gligenReference() {
    static const auto tensors = loadAllTensors(gligenFixture("gligen_reference.safetensors"));
    return tensors;
}

const UNet& gligenTestUNet(const std::string& model = "tiny-sd15.safetensors") {
    static std::map<std::string, std::unique_ptr<UNet>> unets;
    auto& u = unets[model];
    if (!u)
        u = std::make_unique<UNet>(Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/" + model)),
                                                     "model.diffusion_model."));
    return *u;
}

// The boxes of the reference (height, width, y, x in cells of the 8x8 latent).
GligenConditioning gligenReferenceBoxes(int count) {
    const at::Tensor phrases = gligenReference().at("phrases");
    GligenConditioning g;
    g.model = tinyGligen();
    g.boxes.push_back({phrases[0], 3, 4, 2, 1});
    if (count > 1) g.boxes.push_back({phrases[1], 8, 5, 0, 3});
    return g;
}

}  // namespace

TEST(Gligen, HyperParametersComeFromTheShapes) {
    const GligenModel& g = *tinyGligen();
    EXPECT_EQ(g.phraseDim(), 64);
    EXPECT_EQ(g.positionNet().tokenDim(), 64);
    // input_blocks.1/3, middle_block.1, output_blocks.2/3/4/5: tiny-sd15's spatial transformers in order.
    std::vector<int64_t> channels;
    for (const auto& f : g.fusers()) channels.push_back(f.channels());
    EXPECT_EQ(channels, (std::vector<int64_t>{32, 64, 64, 64, 64, 32, 32}));
    EXPECT_EQ(int(g.fusers().size()), gligenTestUNet().transformerCount());
}

TEST(Gligen, FourierEmbeddingIsSinThenCosPerFrequency) {
    const at::Tensor box = at::tensor({0.25f, 0.5f, 0.75f, 1.0f}).view({1, 1, 4});
    const at::Tensor e = gligenFourierEmbedding(box);
    ASSERT_EQ(e.sizes(), (std::vector<int64_t>{1, 1, 64}));
    const double f3 = std::pow(100.0, 3.0 / 8.0);
    EXPECT_NEAR(e[0][0][3 * 8 + 1].item<double>(), std::sin(f3 * 0.5), 1e-5);
    EXPECT_NEAR(e[0][0][3 * 8 + 4 + 2].item<double>(), std::cos(f3 * 0.75), 1e-5);
}

TEST(Gligen, GroundingTokensMatchReference) {
    for (int count : {1, 2}) {
        const at::Tensor tokens = gligenGroundingTokens(gligenReferenceBoxes(count), 1, 8, 8);
        EXPECT_MATCHES_REFERENCE(tokens, gligenReference().at(count == 1 ? "tokens_one" : "tokens_two")) << count;
    }
}

TEST(Gligen, UNetWithBoxesMatchesReference) {
    const auto c = test::loadCase("unet-sd15.safetensors");
    for (int count : {1, 2}) {
        const GligenConditioning g = gligenReferenceBoxes(count);
        const GligenPatch patch(g.model, gligenGroundingTokens(g, 2, 8, 8));
        const at::Tensor out = gligenTestUNet().forward(c.at("x"), c.at("timesteps"), c.at("context"), nullptr, {}, &patch);
        EXPECT_MATCHES_REFERENCE(out, gligenReference().at(count == 1 ? "out_one" : "out_two")) << count;
    }
    // Without the patch the UNet is unchanged.
    EXPECT_MATCHES_REFERENCE(gligenTestUNet().forward(c.at("x"), c.at("timesteps"), c.at("context")), c.at("out"));
}

TEST(Gligen, PooledPhraseIsTheFinalHiddenStateAtTheEndToken) {
    TextEncoder encoder = TextEncoder::fromCheckpoint(*SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors")),
                                                      ClipTokenizer::shared(test::refdataPath("bpe_simple_vocab_16e6.txt.gz")));
    const auto clip = test::loadCase("clip-sd15.safetensors");
    const at::Tensor eos = (clip.at("tokens")[0] == 49407).nonzero()[0][0];
    const at::Tensor want = clip.at("last")[0][eos.item<int64_t>()];
    EXPECT_MATCHES_REFERENCE(pooledTextEmbedding(encoder, "a watercolor painting of a cat"), want);
    EXPECT_MATCHES_REFERENCE(gligenReference().at("pooled_watercolor"), want);
    // Clip skip and prompt weights leave it alone, as in ComfyUI.
    encoder.setLastLayer(-2);
    EXPECT_MATCHES_REFERENCE(pooledTextEmbedding(encoder, "a (watercolor:1.3) painting of a cat"), want);
}

TEST(Gligen, MismatchesAreNamed) {
    EXPECT_NE(test::errorOf([] { loadGligenFile(test::refdataPath("models/tiny-vae.safetensors")); }).find("is not a GLIGEN model"),
              std::string::npos);
    // tiny-sd2-v's transformers have 64 and 128 channels, the fusers 32 and 64.
    const auto c = test::loadCase("unet-sd2.safetensors");
    const GligenConditioning g = gligenReferenceBoxes(1);
    const GligenPatch patch(g.model, gligenGroundingTokens(g, 2, 8, 8));
    const std::string wrongFamily = test::errorOf(
        [&] { gligenTestUNet("tiny-sd2-v.safetensors").forward(c.at("x"), c.at("timesteps"), c.at("context"), nullptr, {}, &patch); });
    EXPECT_NE(wrongFamily.find("GLIGEN file for another model family"), std::string::npos) << wrongFamily;
    GligenConditioning many = gligenReferenceBoxes(1);
    many.boxes.resize(31, many.boxes.front());
    EXPECT_NE(test::errorOf([&] { gligenGroundingTokens(many, 1, 8, 8); }).find("at most 30 boxes"), std::string::npos);
    GligenConditioning narrow = gligenReferenceBoxes(1);
    narrow.boxes[0].phrase = at::zeros({32});
    EXPECT_NE(test::errorOf([&] { gligenGroundingTokens(narrow, 1, 8, 8); }).find("reads 64"), std::string::npos);
}

TEST(Gligen, RunsInsideABfloat16UNet) {
    // The fusers compute in float32 (as loaded) between the bfloat16 UNet's layers.
    const auto c = test::loadCase("unet-sd15.safetensors");
    const UNet unet(Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors")),
                                      "model.diffusion_model.", at::kBFloat16));
    const GligenConditioning g = gligenReferenceBoxes(1);
    const GligenPatch patch(g.model, gligenGroundingTokens(g, 2, 8, 8));
    const at::Tensor out = unet.forward(c.at("x").to(at::kBFloat16), c.at("timesteps"), c.at("context"), nullptr, {}, &patch);
    EXPECT_EQ(out.scalar_type(), at::kBFloat16);
    // bfloat16's precision; the boxes move the output by 0.19.
    EXPECT_LT(test::maxAbsDiff(out, gligenReference().at("out_one")), 0.03);
}
