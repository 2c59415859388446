// Pickled model files through the real `tessera` binary: a graph whose checkpoint and ControlNet
// are .ckpt/.pth (written by libtorch's torch.save) paints the same pixels as with the
// .safetensors; `tessera convert` keeps names and dtypes, refuses malicious files and writes
// nothing then.
#include "core/engine/files/pickle/pickle_file.h"
#include "core/engine/files/safetensors.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/refdata.h"
#include "tests/support/torch_save.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return sourceDir() + "/tests/fixtures/pickle/" + name; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every tensor of `a` equals the same-named one of `b`, dtype included.
void expectSameTensors(const engine::TensorFile& a, const engine::TensorFile& b) {
    ASSERT_EQ(a.entries().size(), b.entries().size());
    for (const auto& e : a.entries()) {
        ASSERT_TRUE(b.contains(e.name)) << e.name;
        const at::Tensor x = a.tensor(e.name), y = b.tensor(e.name);
        EXPECT_EQ(x.scalar_type(), y.scalar_type()) << e.name;
        EXPECT_TRUE(at::equal(x, y)) << e.name;
    }
}

}  // namespace

TEST(PickleModels, CkptAndPthPaintTheSamePixelsAsSafetensors) {
    const std::string models = linkedModelsDir(
        "pickle-models", {{"checkpoints/tiny-sd15.safetensors", "models/tiny-sd15.safetensors"},
                          {"controlnet/tiny-controlnet-sd15.safetensors", "models/tiny-controlnet-sd15.safetensors"},
                          {"tokenizers/bpe_simple_vocab_16e6.txt.gz", "bpe_simple_vocab_16e6.txt.gz"}});
    writeTorchSaveCopy(refdataPath("models/tiny-sd15.safetensors"), models + "/checkpoints/tiny-sd15.ckpt", true);
    writeTorchSaveCopy(refdataPath("models/tiny-controlnet-sd15.safetensors"),
                       models + "/controlnet/tiny-controlnet-sd15.pth", false);
    const std::string out = makeTempDir("pickle-out");
    const std::string run = "run " + quoted(sourceDir() + "/tests/cli/data/pipelines/controlnet-euler-normal.json") +
                            " --models " + quoted(models) + " --input " + quoted(refdataPath("cases")) + " --output " +
                            quoted(out) + " --quiet " + pinnedCompute();
    const CliResult a = runTessera(run);
    ASSERT_EQ(a.exitCode, 0) << a.err;
    const CliResult b = runTessera(run + " --set CheckpointLoaderSimple.ckpt_name=tiny-sd15.ckpt"
                                         " --set ControlNetLoader.control_net_name=tiny-controlnet-sd15.pth");
    ASSERT_EQ(b.exitCode, 0) << b.err;
    const cv::Mat first = cv::imread(out + "/controlnet-euler-normal_00001_.png", cv::IMREAD_UNCHANGED);
    const cv::Mat second = cv::imread(out + "/controlnet-euler-normal_00002_.png", cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    EXPECT_EQ(cv::norm(first, second, cv::NORM_INF), 0.0);

    // And back: the .ckpt converted to .safetensors holds the refdata tensors exactly.
    const CliResult convert = runTessera("convert " + quoted(models + "/checkpoints/tiny-sd15.ckpt") + " -o " +
                                         quoted(out + "/tiny.safetensors"));
    ASSERT_EQ(convert.exitCode, 0) << convert.err;
    EXPECT_TRUE(contains(convert.out, "converted")) << convert.out;
    expectSameTensors(*engine::SafetensorsFile::open(refdataPath("models/tiny-sd15.safetensors")),
                      *engine::SafetensorsFile::open(out + "/tiny.safetensors"));
    fs::remove_all(out);
    fs::remove_all(models);
}

TEST(PickleModels, ConvertKeepsNamesAndDtypes) {
    const std::string out = makeTempDir("convert");
    for (const char* file : {"zip_views.pt", "legacy_lightning.ckpt"}) {
        const std::string target = out + "/" + file + ".safetensors";
        const CliResult r = runTessera("convert " + quoted(fixture(file)) + " -o " + quoted(target));
        ASSERT_EQ(r.exitCode, 0) << file << ": " << r.err;
        const auto converted = engine::SafetensorsFile::open(target);
        expectSameTensors(*engine::PickleFile::open(fixture(file)), *converted);
        EXPECT_EQ(converted->metadata().at("format"), "pt");
    }
    // safetensors in, safetensors out.
    const CliResult r = runTessera("convert " + quoted(refdataPath("models/tiny-vae.safetensors")) + " -o " +
                                   quoted(out + "/vae.safetensors") + " --quiet");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    expectSameTensors(*engine::SafetensorsFile::open(refdataPath("models/tiny-vae.safetensors")),
                      *engine::SafetensorsFile::open(out + "/vae.safetensors"));
    fs::remove_all(out);
}

TEST(PickleModels, ConvertRefusesMaliciousAndBadRequestsAndWritesNothing) {
    const std::string out = makeTempDir("convert-bad");
    const std::string marker = "/tmp/tessera-pickle-fixture-was-executed";
    fs::remove(marker);
    CliResult r = runTessera("convert " + quoted(fixture("evil_system.pt")) + " -o " + quoted(out + "/x.safetensors"));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(contains(r.err, "refused global posix.system in evil_system.pt")) << r.err;
    EXPECT_FALSE(fs::exists(out + "/x.safetensors"));
    EXPECT_FALSE(fs::exists(marker));

    r = runTessera("convert " + quoted(fixture("zip_dtypes.pt")) + " -o " + quoted(out + "/x.ckpt"));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(contains(r.err, "OUT.safetensors")) << r.err;
    r = runTessera("convert " + quoted(fixture("zip_dtypes.pt")));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(contains(r.err, "needs a model file and -o OUT.safetensors")) << r.err;
    EXPECT_TRUE(fs::is_empty(out));
    fs::remove_all(out);
}
