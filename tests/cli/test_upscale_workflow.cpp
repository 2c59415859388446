// A ComfyUI API-format workflow LoadImage -> UpscaleModelLoader + ImageUpscaleWithModel -> SaveImage
// through the real `tessera` binary, with a tiny RRDBNet .pth under a real model's name: the saved
// picture is the network's output for the loaded pixels, 4x the size.
#include "core/engine/networks/upscale_model.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

TEST(UpscaleWorkflow, ApiPromptUpscalesTheLoadedImage) {
    const std::string models = makeTempDir("upscale-models"), input = makeTempDir("upscale-input"),
                      out = makeTempDir("upscale-out");
    const std::string model = models + "/upscale_models/RealESRGAN_x4plus.pth";
    fs::create_directories(models + "/upscale_models");
    fs::copy_file(sourceDir() + "/tests/fixtures/upscale/rrdb_new_x4.pth", model);
    cv::Mat photo(10, 12, CV_8UC3);
    cv::randu(photo, 0, 256);
    ASSERT_TRUE(cv::imwrite(input + "/photo.png", photo));

    const CliResult r = runTessera("run " + quoted(sourceDir() + "/tests/cli/data/upscale/esrgan-upscale-api.json") +
                                   " --models " + quoted(models) + " --input " + quoted(input) + " --output " +
                                   quoted(out) + " --quiet " + pinnedCompute());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const cv::Mat saved = cv::imread(out + "/upscaled_00001_.png", cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(saved.empty()) << r.out;
    ASSERT_EQ(saved.cols, 48);
    ASSERT_EQ(saved.rows, 40);

    // OpenCV's BGR bytes -> the network's RGB 0..1 input, and its output back to bytes.
    const at::Tensor bgr = at::from_blob(photo.data, {10, 12, 3}, at::kByte).to(at::kFloat).div(255.0);
    const at::Tensor rgb = bgr.flip({2}).permute({2, 0, 1}).unsqueeze(0).contiguous();
    const at::Tensor want = engine::loadUpscaleModelFile(model)->forward(rgb).clamp(0.0, 1.0).mul(255.0);
    const at::Tensor got =
        at::from_blob(saved.data, {40, 48, 3}, at::kByte).to(at::kFloat).flip({2}).permute({2, 0, 1}).unsqueeze(0);
    EXPECT_LE((got - want).abs().max().item<double>(), 1.0);  // 8-bit rounding
    EXPECT_GT(want.std().item<double>(), 2.0) << "a flat output would prove little";  // 4.6 levels here
}
