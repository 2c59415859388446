// A real (tiny) model saved as a PyTorch pickle loads and runs exactly like its .safetensors:
// the refdata checkpoint and VAE are written with libtorch's own torch.save writer
// (torch::pickle_save: the zip format, dicts tagged by restore_type_tag) and go through the same
// loaders; sampling and decoding give bit-identical results.
#include "core/engine/files/checkpoint.h"
#include "core/engine/sampling/ksampler.h"
#include "core/engine/files/pickle/pickle_file.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/networks/vae.h"
#include "tests/support/refdata.h"
#include "tests/support/torch_save.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::engine;

namespace {

std::string writeTorchSave(const std::string& source, const std::string& name, bool lightning) {
    static const std::string dir = test::makeTempDir("pickle-checkpoint");
    test::writeTorchSaveCopy(source, dir + "/" + name, lightning);
    return dir + "/" + name;
}

LoadOptions options() {
    LoadOptions o;
    o.modelDirs = {test::refdataDir()};
    ::setenv("TESSERA_CLIP_VOCAB", test::refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
    return o;
}

at::Tensor sampleAndDecode(const LoadedCheckpoint& ckpt) {
    KSamplerRequest r;
    r.model = ckpt.model;
    Conditioning positive, negative;
    positive.context = ckpt.text->encode("a red cube on a table");
    negative.context = ckpt.text->encode("");
    r.positive = {positive};
    r.negative = {negative};
    r.latent = at::zeros({1, 4, 8, 8});
    r.seed = 42;
    r.steps = 3;
    r.cfg = 6.0;
    r.sampler = "euler_ancestral";
    return ckpt.vae->decode(runKSampler(r));
}

}  // namespace

TEST(PickleCheckpoint, TinySd15FromCkptRunsBitIdenticalToSafetensors) {
    const std::string safetensors = test::refdataPath("models/tiny-sd15.safetensors");
    const std::string ckptPath = writeTorchSave(safetensors, "tiny-sd15.ckpt", true);
    const auto pickled = PickleFile::open(ckptPath);
    EXPECT_EQ(pickled->format(), "zip");
    EXPECT_EQ(pickled->entries().size(), SafetensorsFile::open(safetensors)->entries().size());

    const LoadedCheckpoint fromSafetensors = loadCheckpoint(safetensors, options());
    const LoadedCheckpoint fromCkpt = loadCheckpoint(ckptPath, options());
    EXPECT_EQ(fromCkpt.layout.family, fromSafetensors.layout.family);
    EXPECT_EQ(fromCkpt.model->weights.keys(), fromSafetensors.model->weights.keys());
    for (const std::string& key : fromSafetensors.model->weights.keys())
        ASSERT_TRUE(at::equal(fromCkpt.model->weights(key), fromSafetensors.model->weights(key))) << key;
    EXPECT_TRUE(at::equal(sampleAndDecode(fromCkpt), sampleAndDecode(fromSafetensors)));
    std::filesystem::remove(ckptPath);
}

TEST(PickleCheckpoint, StandaloneVaeFromPthDecodesIdentically) {
    const std::string safetensors = test::refdataPath("models/tiny-vae.safetensors");
    const std::string pth = writeTorchSave(safetensors, "tiny-vae.pth", false);
    const at::Tensor z = at::randn({1, 4, 6, 6}, at::TensorOptions().dtype(at::kFloat)) * 0.5;
    EXPECT_TRUE(at::equal(loadVaeFile(pth)->decode(z), loadVaeFile(safetensors)->decode(z)));
    std::filesystem::remove(pth);
}
