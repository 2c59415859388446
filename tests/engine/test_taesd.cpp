// TAESD's decoder: an analytic network whose output is known by hand, random weights against a
// plain at:: re-statement of taesd.py's Decoder, and the load/input errors.
#include "tests/support/error_message.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/taesd.h"
#include "core/engine/files/weights.h"
#include "tests/support/refdata.h"
#include "tests/support/taesd_weights.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

using TensorMap = std::map<std::string, at::Tensor>;

class Taesd : public ::testing::Test {
protected:
    ~Taesd() override {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::string write(const std::string& name, const TensorMap& tensors) {
        const std::string path = dir + "/" + name;
        writeSafetensors(path, tensors);
        return path;
    }
    std::string dir = test::makeTempDir("taesd");
};

// taesd.py's Decoder written out call by call, reading the tensors by their key names.
at::Tensor referenceDecoder(const TensorMap& t, const at::Tensor& latent) {
    auto conv = [&](const at::Tensor& x, const std::string& name) {
        const auto bias = t.find(name + ".bias");
        return at::conv2d(x, t.at(name + ".weight"), bias == t.end() ? at::Tensor() : bias->second, {1, 1}, {1, 1});
    };
    auto block = [&](const at::Tensor& x, int index) {
        const std::string n = std::to_string(index);
        at::Tensor h = at::relu(conv(x, n + ".conv.0"));
        h = at::relu(conv(h, n + ".conv.2"));
        h = conv(h, n + ".conv.4");
        const auto skip = t.find(n + ".skip.weight");
        return at::relu(h + (skip == t.end() ? x : at::conv2d(x, skip->second)));
    };
    auto up = [](const at::Tensor& x) { return at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}); };

    at::Tensor x = at::tanh(latent / 3) * 3;
    x = at::relu(conv(x, "1"));
    x = block(block(block(x, 3), 4), 5);
    x = conv(up(x), "7");
    x = block(block(block(x, 8), 9), 10);
    x = conv(up(x), "12");
    x = block(block(block(x, 13), 14), 15);
    x = conv(up(x), "17");
    x = block(x, 18);
    return conv(x, "19");
}

// Blocks are zero (so each is ReLU, the identity on what it receives), the convolutions after the
// upsamplings are identity kernels; conv 1 copies latent channel c to hidden channel 10+c and
// conv 19 shows hidden channels 12, 10 (+0.25) and 13 as R, G, B.
TensorMap analyticDecoder() {
    TensorMap t = test::taesdDecoderTensors(4, 64, [](const std::vector<int64_t>& shape) { return at::zeros(shape); });
    for (int c = 0; c < 4; ++c) t["1.weight"][10 + c][c][1][1] = 1.0;
    for (int u : test::taesdUpConvIndices())
        for (int o = 0; o < 64; ++o) t[std::to_string(u) + ".weight"][o][o][1][1] = 1.0;
    t["19.weight"][0][12][1][1] = 1.0;
    t["19.weight"][1][10][1][1] = 1.0;
    t["19.weight"][2][13][1][1] = 1.0;
    t["19.bias"][1] = 0.25;
    return t;
}

}  // namespace

TEST_F(Taesd, AnalyticDecoderShowsClampedLatentChannelsEightTimesLarger) {
    const auto decoder = loadTaesdDecoderFile(write("taesd_decoder.safetensors", analyticDecoder()));
    EXPECT_EQ(decoder->latentChannels(), 4);
    EXPECT_EQ(decoder->outChannels(), 3);
    const at::Tensor latent = (at::sin(at::arange(60, at::kFloat) * 0.7) * 2.5).reshape({1, 4, 3, 5});

    const at::Tensor got = decoder->decode(latent);

    const at::Tensor v = at::relu(at::tanh(latent / 3) * 3);
    at::Tensor want = at::stack({v.select(1, 2), v.select(1, 0) + 0.25f, v.select(1, 3)}, 1);
    want = want.repeat_interleave(8, 2).repeat_interleave(8, 3).clamp(0.0, 1.0);
    ASSERT_EQ(got.sizes(), (at::IntArrayRef{1, 3, 24, 40}));
    // Exact but for float32 rounding: the 64-channel convolutions from 6x10 (6 tiles) up run by Winograd,
    // whose transforms do not represent this decoder's one-hot kernels exactly (1 ulp at 1.0 seen, 9e-8
    // where the answer is 0).
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-6);
    // Pixels by hand: latent element i is 2.5 sin(0.7 i); R shows channel 2 (elements 30..44), G channel 0 + 0.25.
    auto shown = [](int i, double bias) { return std::clamp(std::tanh(2.5 * std::sin(0.7 * i) / 3) * 3 + bias, 0.0, 1.0); };
    EXPECT_NEAR(got[0][0][3][9].item<double>(), shown(31, 0), 1e-5);         // row 0, column 1: 0.704
    EXPECT_NEAR(got[0][0][8 + 7][8 + 0].item<double>(), shown(36, 0), 1e-5);  // row 1, column 1: 0.168
    EXPECT_NEAR(got[0][1][8 + 4][32 + 7].item<double>(), shown(9, 0.25), 1e-5);   // row 1, column 4: 0.292
    EXPECT_NEAR(got[0][0][0][16].item<double>(), 0.0, 1e-6);  // element 32 is negative: ReLU
    EXPECT_EQ(got[0][1][0][8].item<double>(), 1.0);   // element 1: 1.47 + 0.25, clamped
}

TEST_F(Taesd, RandomWeightsMatchThePlainReference) {
    const TensorMap t = test::randomTaesdDecoder(4, 64, 7);
    const auto decoder = loadTaesdDecoderFile(write("taesd_decoder.safetensors", t));
    at::manual_seed(11);
    const at::Tensor latent = at::randn({2, 4, 4, 3}) * 2;

    const at::Tensor raw = decoder->forward(latent);
    const at::Tensor want = referenceDecoder(t, latent);
    ASSERT_EQ(raw.sizes(), (at::IntArrayRef{2, 3, 32, 24}));
    EXPECT_TRUE(test::closeToReference(raw, want, 1e-5));
    EXPECT_GT(want.std().item<double>(), 0.05);  // the random network does not collapse to a constant
    EXPECT_TRUE(at::equal(decoder->decode(latent), raw.clamp(0.0, 1.0)));
}

TEST_F(Taesd, WidthsAndLatentChannelsComeFromTheShapes) {
    TensorMap t = test::randomTaesdDecoder(16, 32, 3);
    // The last block narrows 32 -> 24 through a 1x1 skip convolution.
    t["18.conv.0.weight"] = at::randn({24, 32, 3, 3}) * 0.06;
    t["18.conv.0.bias"] = at::randn({24}) * 0.06;
    t["18.conv.2.weight"] = at::randn({24, 24, 3, 3}) * 0.06;
    t["18.conv.2.bias"] = at::randn({24}) * 0.06;
    t["18.conv.4.weight"] = at::randn({24, 24, 3, 3}) * 0.06;
    t["18.conv.4.bias"] = at::randn({24}) * 0.06;
    t["18.skip.weight"] = at::randn({24, 32, 1, 1}) * 0.2;
    t["19.weight"] = at::randn({3, 24, 3, 3}) * 0.06;
    const auto decoder = loadTaesdDecoderFile(write("narrow.safetensors", t));
    EXPECT_EQ(decoder->latentChannels(), 16);

    const at::Tensor latent = at::randn({1, 16, 2, 3});
    EXPECT_TRUE(test::closeToReference(decoder->forward(latent), referenceDecoder(t, latent), 1e-5));
}

TEST_F(Taesd, AcceptsDecoderPrefixes) {
    const TensorMap t = test::randomTaesdDecoder(4, 16, 5);
    const at::Tensor latent = at::randn({1, 4, 2, 2});
    const at::Tensor plain = loadTaesdDecoderFile(write("plain.safetensors", t))->forward(latent);
    for (const std::string prefix : {"decoder.", "taesd_decoder."}) {
        TensorMap prefixed;
        for (const auto& [k, v] : t) prefixed[prefix + k] = v;
        prefixed["taesd_encoder.0.weight"] = at::zeros({64, 3, 3, 3});  // a whole-TAESD file also holds the encoder
        const auto decoder = loadTaesdDecoderFile(write("prefixed.safetensors", prefixed));
        EXPECT_TRUE(at::equal(decoder->forward(latent), plain)) << prefix;
    }
}

TEST_F(Taesd, MissingOrMisshapedWeightsNameTheFileAndKey) {
    TensorMap t = test::randomTaesdDecoder(4, 64, 1);
    t.erase("8.conv.2.weight");
    const std::string missing = write("missing.safetensors", t);
    const std::string message = errorOf([&] { loadTaesdDecoderFile(missing); });
    EXPECT_NE(message.find("'8.conv.2.weight'"), std::string::npos) << message;
    EXPECT_NE(message.find(missing), std::string::npos) << message;

    t = test::randomTaesdDecoder(4, 64, 1);
    t["3.conv.0.weight"] = at::zeros({64, 32, 3, 3});
    const std::string misshaped = write("misshaped.safetensors", t);
    const std::string shape = errorOf([&] { loadTaesdDecoderFile(misshaped); });
    EXPECT_NE(shape.find("'3.conv.0.weight' has shape [64, 32, 3, 3], expected [N, 64, 3, 3]"), std::string::npos)
        << shape;
    EXPECT_NE(shape.find(misshaped), std::string::npos) << shape;

    const std::string other = write("other.safetensors", {{"encoder.conv_in.weight", at::zeros({4})}});
    EXPECT_NE(errorOf([&] { loadTaesdDecoderFile(other); }).find("is not a TAESD decoder"), std::string::npos);
}

TEST_F(Taesd, TruncatedFileNamesTheFile) {
    const std::string whole = write("whole.safetensors", test::randomTaesdDecoder(4, 64, 2));
    std::ifstream in(whole, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = dir + "/taesd_decoder.safetensors";
    std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));

    const std::string message = errorOf([&] { loadTaesdDecoderFile(cut); });
    EXPECT_NE(message.find(cut), std::string::npos) << message;
}

TEST_F(Taesd, LatentWithOtherChannelCountNamesBothCounts) {
    const auto decoder = loadTaesdDecoderFile(write("taesd_decoder.safetensors", test::randomTaesdDecoder(4, 16, 4)));
    const std::string message = errorOf([&] { decoder->decode(at::zeros({1, 16, 2, 2})); });
    EXPECT_NE(message.find("the latent has 16 channels, the decoder expects 4"), std::string::npos) << message;
}
