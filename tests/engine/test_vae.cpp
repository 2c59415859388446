#include "tests/support/error_message.h"
#include "core/common/error.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/attention.h"
#include "core/engine/networks/vae.h"
#include "core/engine/networks/vae_blocks.h"
#include "core/engine/files/weights.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

Vae loadVae(const std::string& model, const std::string& prefix) {
    auto file = SafetensorsFile::open(test::refdataPath("models/" + model));
    Weights w = Weights::fromFile(*file, prefix);
    return Vae(VaeConfig::infer(w), w);
}

const Vae& checkpointVae() {
    static const Vae vae = loadVae("tiny-sd15.safetensors", "first_stage_model.");
    return vae;
}

const Vae& standaloneVae() {
    static const Vae vae = loadVae("tiny-vae.safetensors", "");
    return vae;
}

VaeConfig realSdVaeConfig() {
    VaeConfig c;
    c.ch = 128;
    c.chMult = {1, 2, 4, 4};
    c.numResBlocks = 2;
    c.zChannels = 4;
    return c;
}

// Mean |a-b| in each row (dim 2) or column (dim 3), averaged over batch and channels.
at::Tensor meanAbsPerLine(const at::Tensor& a, const at::Tensor& b, int64_t dim) {
    return (a - b).abs().mean({0, 1, dim == 2 ? int64_t{3} : int64_t{2}});
}

// How much worse the tiled-vs-untiled error is on the lines where tiles start or end than on
// average: a hard seam shows as a peak there.
double seamRatio(const at::Tensor& tiled, const at::Tensor& full, const std::vector<int64_t>& edges) {
    double worst = 0;
    for (int64_t dim : {2, 3}) {
        const at::Tensor perLine = meanAbsPerLine(tiled, full, dim);
        const double average = perLine.mean().item<double>();
        for (int64_t e : edges)
            worst = std::max(worst, std::max(perLine[e - 1].item<double>(), perLine[e].item<double>()) / average);
    }
    return worst;
}

double relativeMeanError(const at::Tensor& got, const at::Tensor& want) {
    return ((got - want).abs().mean() / want.abs().mean()).item<double>();
}

}  // namespace

TEST(VaeConfig, InfersTinyConfigFromShapes) {
    const VaeConfig& c = standaloneVae().config();
    EXPECT_EQ(c.ch, 32);
    EXPECT_EQ(c.chMult, (std::vector<int>{1, 1, 2, 2}));
    EXPECT_EQ(c.numResBlocks, 1);
    EXPECT_EQ(c.zChannels, 4);
    EXPECT_EQ(c.inChannels, 3);
    EXPECT_EQ(c.outChannels, 3);
    EXPECT_TRUE(c.midAttention);
    EXPECT_EQ(standaloneVae().downscale(), 8);
    EXPECT_FLOAT_EQ(standaloneVae().scalingFactor(), 0.18215f);
    EXPECT_EQ(checkpointVae().config(), c);
}

TEST(VaeConfig, ShapeTableMatchesEveryTensorOfTheTinyFile) {
    auto file = SafetensorsFile::open(test::refdataPath("models/tiny-vae.safetensors"));
    const auto shapes = vaeParameterShapes(standaloneVae().config());
    ASSERT_EQ(shapes.size(), file->entries().size());
    for (const auto& e : file->entries()) {
        ASSERT_TRUE(shapes.count(e.name)) << e.name;
        EXPECT_EQ(shapes.at(e.name), e.shape) << e.name;
    }
}

TEST(VaeConfig, InfersTheRealSdVaeFromShapes) {
    const VaeConfig real = realSdVaeConfig();
    const auto shapes = vaeParameterShapes(real);
    // Shapes of the published SD1.x/SD2.x VAE (248 tensors).
    EXPECT_EQ(shapes.size(), 248u);
    EXPECT_EQ(shapes.at("encoder.down.1.block.0.nin_shortcut.weight"), (std::vector<int64_t>{256, 128, 1, 1}));
    EXPECT_EQ(shapes.at("decoder.up.1.block.0.nin_shortcut.weight"), (std::vector<int64_t>{256, 512, 1, 1}));
    EXPECT_EQ(shapes.at("decoder.up.0.block.2.conv2.weight"), (std::vector<int64_t>{128, 128, 3, 3}));
    EXPECT_EQ(shapes.at("encoder.conv_out.weight"), (std::vector<int64_t>{8, 512, 3, 3}));
    EXPECT_EQ(shapes.at("decoder.mid.attn_1.q.weight"), (std::vector<int64_t>{512, 512, 1, 1}));

    Weights::Map map;
    for (const auto& [key, shape] : shapes) map["first_stage_model." + key] = at::empty(shape);
    const Weights w = Weights(std::make_shared<Weights::Map>(map)).sub("first_stage_model");
    const VaeConfig inferred = VaeConfig::infer(w);
    EXPECT_EQ(inferred, real);
    EXPECT_EQ(inferred.downscale(), 8);
    EXPECT_NO_THROW(Vae(inferred, w));
}

TEST(VaeConfig, WrongShapesAndMissingWeightsNameTheKey) {
    Weights::Map map;
    for (const auto& [key, shape] : vaeParameterShapes(realSdVaeConfig())) map[key] = at::empty(shape);
    map["decoder.up.2.block.1.conv1.weight"] = at::empty({512, 256, 3, 3});
    const Weights w(std::make_shared<Weights::Map>(map));
    std::string msg = errorOf([&] { Vae(VaeConfig::infer(w), w); });
    EXPECT_NE(msg.find("decoder.up.2.block.1.conv1.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[512, 512, 3, 3]"), std::string::npos) << msg;

    map.erase("post_quant_conv.weight");
    const Weights broken(std::make_shared<Weights::Map>(map));
    msg = errorOf([&] { VaeConfig::infer(broken); });
    EXPECT_NE(msg.find("post_quant_conv.weight"), std::string::npos) << msg;
}

TEST(Vae, EncodeMomentsMatchesGoldenFromCheckpointAndStandaloneFile) {
    auto c = test::loadCase("vae.safetensors");
    EXPECT_MATCHES_REFERENCE(checkpointVae().encodeMoments(c.at("image")), c.at("moments"));
    EXPECT_MATCHES_REFERENCE(standaloneVae().encodeMoments(c.at("image")), c.at("moments"));
    const at::Tensor mean = checkpointVae().encode(c.at("image"));
    EXPECT_MATCHES_REFERENCE(mean, c.at("moments").narrow(1, 0, 4));
}

TEST(Vae, DecodeMatchesGoldenFromCheckpointAndStandaloneFile) {
    auto c = test::loadCase("vae.safetensors");
    EXPECT_MATCHES_REFERENCE(checkpointVae().decode(c.at("z")), c.at("decoded"));
    EXPECT_MATCHES_REFERENCE(standaloneVae().decode(c.at("z")), c.at("decoded"));
}

TEST(Vae, ImageSidesNotMultiplesOfEightAreRejectedWithTheNearestValidSize) {
    const std::string msg = errorOf([] { standaloneVae().encode(at::zeros({1, 3, 60, 70})); });
    EXPECT_NE(msg.find("70x60"), std::string::npos) << msg;
    EXPECT_NE(msg.find("multiples of 8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nearest valid size is 72x64"), std::string::npos) << msg;
    EXPECT_NE(errorOf([] { standaloneVae().encodeTiled(at::zeros({1, 3, 64, 12})); }).find("nearest valid size is 16x64"),
              std::string::npos);
    EXPECT_NE(errorOf([] { standaloneVae().encode(at::zeros({1, 4, 64, 64})); }).find("3 channels"), std::string::npos);
    EXPECT_NE(errorOf([] { standaloneVae().decode(at::zeros({1, 8, 8, 8})); }).find("4 channels"), std::string::npos);
    EXPECT_NE(errorOf([] { standaloneVae().decodeTiled(at::zeros({1, 4, 8, 8}), 8, 8); }).find("invalid tiling"),
              std::string::npos);
}

TEST(VaeAttention, SlicedAttentionEqualsUnslicedAndBoundsTheSliceSize) {
    // The VAE's mid-block attention is engine::attention with one head and the VAE's score budget.
    at::manual_seed(3);
    const at::Tensor q = at::randn({2, 300, 16}), k = at::randn({2, 300, 16}), v = at::randn({2, 300, 16});
    AttentionOptions unbounded;
    unbounded.maxSliceBytes = int64_t{1} << 40;
    const at::Tensor reference = at::bmm(at::softmax(at::bmm(q, k.transpose(1, 2)) / 4.0, -1), v);
    EXPECT_MATCHES_REFERENCE(attention(q, k, v, 1, unbounded), reference);
    // A budget of 2*7*300*4 bytes: 14 query rows of one batch element per slice; 300 is not a
    // multiple of 14, so the last slice is short.
    AttentionOptions small;
    small.maxSliceBytes = 2 * 7 * 300 * 4;
    const AttentionSlicing plan = planAttentionSlices(2, 300, 300, small);
    EXPECT_EQ(plan.headChunk, 1);
    EXPECT_EQ(plan.queryChunk, 14);
    EXPECT_MATCHES_REFERENCE(attention(q, k, v, 1, small), reference);
    // A 1024x1024 image: 16384 latent tokens; a slice of scores stays within the VAE's budget.
    AttentionOptions vae;
    vae.maxSliceBytes = vae_blocks::kDefaultScoreBytes;
    const AttentionSlicing big = planAttentionSlices(1, 16384, 16384, vae);
    EXPECT_LT(big.queryChunk, 16384);
    EXPECT_LE(big.headChunk * big.queryChunk * 16384 * 4, int64_t{128} << 20);
}

TEST(VaeTiled, OneTileCoveringEverythingEqualsUntiled) {
    auto c = test::loadCase("vae.safetensors");
    EXPECT_MATCHES_REFERENCE(standaloneVae().decodeTiled(c.at("z")), standaloneVae().decode(c.at("z")));
    EXPECT_MATCHES_REFERENCE(standaloneVae().decodeTiled(c.at("z"), 8, 4), standaloneVae().decode(c.at("z")));
    EXPECT_MATCHES_REFERENCE(standaloneVae().encodeTiled(c.at("image")), standaloneVae().encode(c.at("image")));
    EXPECT_MATCHES_REFERENCE(standaloneVae().encodeTiled(c.at("image"), 64, 16), standaloneVae().encode(c.at("image")));
}

// Random inputs have the same statistics everywhere, so what remains between tiled and untiled is
// the tiling itself (per-tile GroupNorm statistics, attention within the tile, zero padding at
// tile borders). The bounds below are the measured values (tiny VAE) with about 20% margin.
TEST(VaeTiled, RealDecodeTilingIsCloseToUntiledWithoutSeams) {
    at::manual_seed(0);
    const at::Tensor z = at::randn({1, 4, 32, 32});
    const at::Tensor full = standaloneVae().decode(z);
    // Tiles of 16 latent cells, overlap 8: starts 0, 8, 16 -> interior tile edges at pixels 64, 128, 192.
    const at::Tensor tiled = standaloneVae().decodeTiled(z, 16, 8);
    const at::Tensor hardCut = standaloneVae().decodeTiled(z, 16, 0);
    ASSERT_EQ(tiled.sizes(), full.sizes());
    const double err = relativeMeanError(tiled, full);  // measured 0.205
    EXPECT_LT(err, 0.25);
    EXPECT_LT((tiled - full).abs().max().item<double>(), 0.25 * full.abs().max().item<double>());  // measured 0.198
    EXPECT_LT(err, relativeMeanError(hardCut, full));                                               // hard cut: 0.38
    EXPECT_LT(seamRatio(tiled, full, {64, 128, 192}), 2.0);  // measured 1.43
    EXPECT_GT(seamRatio(hardCut, full, {128}), 2.5);         // the metric does see a seam: measured 3.2
}

TEST(VaeTiled, RealEncodeTilingIsCloseToUntiledWithoutSeams) {
    at::manual_seed(1);
    const at::Tensor image = at::randn({1, 3, 256, 256}).clamp_(-1, 1);
    const at::Tensor full = standaloneVae().encode(image);
    // Tiles of 128 px, overlap 32: starts 0, 96, 128 -> tile edges at latent cells 12, 16, 28.
    const at::Tensor tiled = standaloneVae().encodeTiled(image, 128, 32);
    const at::Tensor hardCut = standaloneVae().encodeTiled(image, 128, 0);
    ASSERT_EQ(tiled.sizes(), full.sizes());
    const double err = relativeMeanError(tiled, full);
    EXPECT_LT(err, 0.18);                                    // measured 0.146
    EXPECT_LT(err, relativeMeanError(hardCut, full));        // hard cut: 0.258
    EXPECT_LT(seamRatio(tiled, full, {12, 16, 28}), 2.0);    // measured 1.52
    EXPECT_GT(seamRatio(hardCut, full, {16}), 2.5);          // measured 3.4
}
