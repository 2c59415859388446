// A float32 network loaded from a float16 file keeps its matrices and kernels in float16 and widens
// each one per call (compute/weight_storage.h): half the memory, and bit for bit the same results as
// widening everything at load.
#include "core/engine/compute/weight_storage.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/networks/unet.h"
#include "core/engine/patches/lora.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace tessera;
using namespace tessera::engine;

namespace {

Weights loadUnet(Weights::HalfStorage half, at::ScalarType dtype = at::kFloat) {
    const auto file = SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors"));
    return Weights::fromFile(*file, "model.diffusion_model.", dtype, at::kCPU, half);
}

}  // namespace

TEST(WeightStorage, AFloat32UNetKeepsTheFilesFloat16MatricesAndOnlyThem) {
    const Weights kept = loadUnet(Weights::HalfStorage::KeepMatrices);
    const Weights widened = loadUnet(Weights::HalfStorage::WidenAtLoad);
    int half = 0, wide = 0;
    for (const auto& key : kept.keys()) {
        const at::Tensor t = kept(key);
        if (!t.is_floating_point()) continue;
        if (t.dim() >= 2) {
            EXPECT_EQ(t.scalar_type(), at::kHalf) << key;
            ++half;
        } else {
            EXPECT_EQ(t.scalar_type(), at::kFloat) << key;  // biases and norms: read directly by fused kernels
            ++wide;
        }
        EXPECT_EQ(widened(key).scalar_type(), at::kFloat) << key;
        EXPECT_TRUE(at::equal(widenForCompute(t), widened(key))) << key;
    }
    EXPECT_GT(half, 50);
    EXPECT_GT(wide, 50);
    EXPECT_LT(double(kept.byteSize()), 0.6 * double(widened.byteSize()));
}

TEST(WeightStorage, KeptFloat16KernelsComputeTheSameUNetOutputBitForBit) {
    auto c = test::loadCase("unet-sd15.safetensors");
    const UNet kept(loadUnet(Weights::HalfStorage::KeepMatrices));
    const UNet widened(loadUnet(Weights::HalfStorage::WidenAtLoad));
    const at::Tensor a = kept.forward(c.at("x"), c.at("timesteps"), c.at("context"));
    const at::Tensor b = widened.forward(c.at("x"), c.at("timesteps"), c.at("context"));
    EXPECT_EQ(a.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::equal(a, b)) << "max |a-b| " << (a - b).abs().max().item<double>();
}

TEST(WeightStorage, OnlyFloat32CpuNetworksKeepFloat16) {
    const Weights bf16 = loadUnet(Weights::HalfStorage::KeepMatrices, at::kBFloat16);
    for (const auto& key : bf16.keys()) {
        if (bf16(key).is_floating_point()) {
            EXPECT_EQ(bf16(key).scalar_type(), at::kBFloat16) << key;
        }
    }
}

TEST(WeightStorage, WideningLeavesOtherWeightsAsTheyAre) {
    const at::Tensor f = at::randn({4, 3});
    EXPECT_TRUE(widenForCompute(f).is_same(f));
    EXPECT_EQ(computeTypeOf(f), at::kFloat);
    const at::Tensor b = f.to(at::kBFloat16);
    EXPECT_TRUE(widenForCompute(b).is_same(b));
    EXPECT_EQ(computeTypeOf(b), at::kBFloat16);
    // A channels-last float16 kernel widens with its layout and values.
    const at::Tensor h = at::randn({8, 5, 3, 3}).to(at::kHalf).contiguous(at::MemoryFormat::ChannelsLast);
    const at::Tensor w = widenForCompute(h);
    EXPECT_EQ(w.scalar_type(), at::kFloat);
    EXPECT_EQ(w.strides(), h.strides());
    EXPECT_TRUE(at::equal(w, h.to(at::kFloat)));
}

TEST(WeightStorage, ACheckpointLoadedInFloat32KeepsItsUNetKernelsInFloat16) {
    ::setenv("TESSERA_CLIP_VOCAB", test::refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
    LoadOptions options;
    options.modelDirs = {test::refdataDir()};
    const LoadedCheckpoint ck = loadCheckpoint(test::refdataPath("models/tiny-sd15.safetensors"), options);
    EXPECT_EQ(ck.model->weights("input_blocks.1.0.in_layers.2.weight").scalar_type(), at::kHalf);
    EXPECT_EQ(ck.model->weights("input_blocks.1.0.in_layers.2.bias").scalar_type(), at::kFloat);
}

TEST(WeightStorage, AControlNetWithKeptFloat16KernelsGivesTheSameResidualsBitForBit) {
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const auto file = SafetensorsFile::open(test::refdataPath("models/tiny-controlnet-sd15.safetensors"));
    const ControlNet kept(Weights::fromFile(*file, "control_model.", at::kFloat, at::kCPU, Weights::HalfStorage::KeepMatrices));
    const ControlNet widened(Weights::fromFile(*file, "control_model.", at::kFloat, at::kCPU));
    const ControlResiduals a = kept.forward(c.at("x"), c.at("hint"), c.at("timesteps"), c.at("context"));
    const ControlResiduals b = widened.forward(c.at("x"), c.at("hint"), c.at("timesteps"), c.at("context"));
    ASSERT_EQ(a.input.size(), b.input.size());
    for (size_t i = 0; i < a.input.size(); ++i) EXPECT_TRUE(at::equal(a.input[i], b.input[i])) << i;
    EXPECT_TRUE(at::equal(a.middle, b.middle));
}

TEST(WeightStorage, ALoraPatchesAKeptFloat16KernelInFloat32) {
    const std::string dir = test::makeTempDir("weight-storage");
    const std::string path = dir + "/lora.safetensors";
    at::manual_seed(7);
    writeSafetensors(path, {{"lora_unet_input_blocks_1_0_in_layers_2.lora_up.weight", at::randn({32, 4, 1, 1})},
                            {"lora_unet_input_blocks_1_0_in_layers_2.lora_down.weight", at::randn({4, 32, 3, 3})}});
    const std::string key = "input_blocks.1.0.in_layers.2.weight";
    Weights kept = loadUnet(Weights::HalfStorage::KeepMatrices);
    Weights widened = loadUnet(Weights::HalfStorage::WidenAtLoad);
    Weights noText;
    const LoraFile lora = loadLora(path, kept, noText, TextNaming::HuggingFace);
    applyLora(kept, noText, lora, 0.7, 0.0);
    applyLora(widened, noText, lora, 0.7, 0.0);
    EXPECT_EQ(kept(key).scalar_type(), at::kFloat);  // not rounded back to float16
    EXPECT_TRUE(at::equal(kept(key), widened(key)));
    EXPECT_EQ(kept("input_blocks.1.0.in_layers.0.weight").scalar_type(), at::kFloat);
    EXPECT_EQ(kept("input_blocks.1.1.proj_in.weight").scalar_type(), at::kHalf);  // untouched stays kept
    std::filesystem::remove_all(dir);
}
