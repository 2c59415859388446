// Devices and precisions: networks loaded in another placement compute there and hand back
// float32 CPU tensors. The CPU runs the bfloat16 path in CI; the float16 CUDA path runs where a GPU is.
#include "core/common/error.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/compute/device.h"
#include "core/engine/networks/unet.h"
#include "core/engine/compute/torch_errors.h"
#include "core/engine/networks/vae.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdlib>

using namespace tessera;
using namespace tessera::engine;

namespace {

// bfloat16 keeps 8 significant bits (relative rounding 2^-9 per operation): after a few dozen
// layers the tiny models' outputs stay within a few percent of the float32 reference.
constexpr double kBf16Tolerance = 0.05;
// float16 keeps 11 bits.
constexpr double kFp16Tolerance = 0.01;

LoadedCheckpoint loadSd15(const Placement& placement) {
    ::setenv("TESSERA_CLIP_VOCAB", test::refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
    LoadOptions options;
    options.modelDirs = {test::refdataDir()};
    options.placement = placement;
    return loadCheckpoint(test::refdataPath("models/tiny-sd15.safetensors"), options);
}

// The VAE computes in placement.vaeDtype(): float32 matches the golden at the README's tolerance.
void expectUNetAndVaeMatchGolden(const Placement& placement, double tolerance) {
    const LoadedCheckpoint ckpt = loadSd15(placement);
    EXPECT_EQ(ckpt.model->weights("out.2.weight").scalar_type(), placement.dtype);
    EXPECT_EQ(ckpt.model->weights("out.2.weight").device(), placement.device);
    const double vaeTolerance = placement.vaeDtype() == at::kFloat ? 1e-4 : tolerance;

    auto u = test::loadCase("unet-sd15.safetensors");
    const at::Tensor out = ckpt.model->unet->forward(u.at("x"), u.at("timesteps"), u.at("context"));
    EXPECT_EQ(out.scalar_type(), at::kFloat);
    EXPECT_TRUE(out.device().is_cpu());
    EXPECT_TRUE(test::closeToReference(out, u.at("out"), tolerance));

    auto v = test::loadCase("vae.safetensors");
    const at::Tensor decoded = ckpt.vae->decode(v.at("z"));
    EXPECT_EQ(decoded.scalar_type(), at::kFloat);
    EXPECT_TRUE(decoded.device().is_cpu());
    EXPECT_TRUE(test::closeToReference(decoded, v.at("decoded"), vaeTolerance));
    EXPECT_TRUE(test::closeToReference(ckpt.vae->encodeMoments(v.at("image")), v.at("moments"), vaeTolerance));
}

}  // namespace

TEST(Placement, AutoOnTheCpuIsBfloat16OnlyWithNativeSupport) {
    if (at::hasCUDA()) GTEST_SKIP() << "this machine has CUDA";
    const Placement p = resolvePlacement("auto", "auto");
    EXPECT_TRUE(p.device.is_cpu());
    EXPECT_EQ(p.dtype, cpuHasNativeBf16() ? at::kBFloat16 : at::kFloat);
    EXPECT_EQ(resolvePlacement("cpu", "fp32").describe(), "CPU float32");
    EXPECT_EQ(resolvePlacement("cpu", "bf16").describe(), "CPU bfloat16");
}

TEST(Placement, NativeBf16IsReadFromTheCpuFlags) {
    // This machine's kind (AMD EPYC, AVX2 + FMA): bfloat16 would be emulated.
    const std::string epyc = "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 ssse3 fma cx16 sse4_1 sse4_2 "
                             "movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm sse4a bmi1 avx2 bmi2";
    EXPECT_FALSE(cpuFlagsHaveNativeBf16(epyc));
    EXPECT_EQ(autoCpuDtype(cpuFlagsHaveNativeBf16(epyc)), at::kFloat);
    // Cooper Lake / Zen 4 (AVX-512 BF16) and Sapphire Rapids (AMX) compute bfloat16 natively.
    EXPECT_TRUE(cpuFlagsHaveNativeBf16("flags : fma avx2 avx512f avx512bw avx512_bf16 avx512_vnni"));
    EXPECT_TRUE(cpuFlagsHaveNativeBf16("avx512f amx_tile amx_int8 amx_bf16"));
    EXPECT_EQ(autoCpuDtype(true), at::kBFloat16);
    // Whole words only: AVX-512 without BF16, and names that merely contain the text.
    EXPECT_FALSE(cpuFlagsHaveNativeBf16("flags : avx512f avx512bw avx512_vnni avx512_fp16"));
    EXPECT_FALSE(cpuFlagsHaveNativeBf16("flags : xavx512_bf16 amx_bf16x"));
    EXPECT_FALSE(cpuFlagsHaveNativeBf16(""));
}

// `tessera run` prints this line: a bfloat16 UNet where bfloat16 is emulated says so, and what to use.
TEST(Placement, TheComputeLineSaysWhenBfloat16IsEmulated) {
    Placement bf16;
    bf16.dtype = at::kBFloat16;
    const std::string emulated = describeCompute(bf16, /*nativeBf16=*/false);
    EXPECT_EQ(emulated.rfind("CPU: UNet bfloat16 (emulated: this CPU has no avx512_bf16 or amx_bf16", 0), 0u) << emulated;
    EXPECT_NE(emulated.find("--precision auto picks float32 here"), std::string::npos) << emulated;
    const std::string native = describeCompute(bf16, /*nativeBf16=*/true);
    EXPECT_EQ(native.rfind("CPU: UNet bfloat16, VAE ", 0), 0u) << native;
    EXPECT_EQ(native.find("emulated"), std::string::npos) << native;
    EXPECT_EQ(describeCompute(Placement{}, false), "CPU: UNet float32, VAE float32, text float32");
}

// One test of "emulated" serves the compute line, the VAE's precision and attention's float32 fallback.
TEST(Placement, OnlyBfloat16OnACpuWithoutNativeSupportIsEmulated) {
    const at::Device cpu(at::kCPU), gpu(at::kCUDA, 0);
    EXPECT_TRUE(isEmulatedBf16(cpu, at::kBFloat16, /*nativeBf16=*/false));
    EXPECT_FALSE(isEmulatedBf16(cpu, at::kBFloat16, /*nativeBf16=*/true));
    EXPECT_FALSE(isEmulatedBf16(cpu, at::kFloat, false));
    EXPECT_FALSE(isEmulatedBf16(gpu, at::kBFloat16, false));
    Placement bf16;
    bf16.dtype = at::kBFloat16;
    EXPECT_EQ(bf16.vaeDtype(), cpuHasNativeBf16() ? at::kBFloat16 : at::kFloat);
    bf16.device = gpu;
    EXPECT_EQ(bf16.vaeDtype(), at::kBFloat16);
}

// The engine's own loops (GroupNorm, softmax, attention tasks, weight conversion) use every thread
// libtorch has. They ran on one thread for months: libtorch's parallel_for is a header template, serial
// wherever the engine is compiled without OpenMP (core/CMakeLists.txt).
TEST(Placement, TheEnginesOwnLoopsRunOnEveryThread) {
    const int before = at::get_num_threads();
    at::set_num_threads(2);
    EXPECT_EQ(engineLoopThreads(), 2);
    at::set_num_threads(1);
    EXPECT_EQ(engineLoopThreads(), 1);
    at::set_num_threads(before);
}

TEST(Placement, UnavailableDevicesAndPrecisionsSayWhatToUse) {
    EXPECT_NE(test::errorOf([] { resolvePlacement("cpu", "fp16"); }).find("fp16 needs a CUDA device"), std::string::npos);
    EXPECT_NE(test::errorOf([] { resolvePlacement("cpu", "fp64"); }).find("unknown precision 'fp64'"), std::string::npos);
    EXPECT_NE(test::errorOf([] { resolvePlacement("tpu", "auto"); }).find("unknown device 'tpu'"), std::string::npos);
    if (!at::hasCUDA()) {
        EXPECT_NE(test::errorOf([] { resolvePlacement("cuda", "auto"); }).find("use device 'cpu'"), std::string::npos);
    }
}

TEST(Placement, Float32IsTheDefaultAndMatchesTheGoldenExactly) {
    const LoadedCheckpoint ckpt = loadSd15(Placement{});
    auto u = test::loadCase("unet-sd15.safetensors");
    EXPECT_MATCHES_REFERENCE(ckpt.model->unet->forward(u.at("x"), u.at("timesteps"), u.at("context")), u.at("out"));
}

TEST(Placement, Bfloat16OnTheCpuComputesInBfloat16AndReturnsFloat32) {
    const Placement bf16{at::Device(at::kCPU), at::kBFloat16};
    // The VAE follows into bfloat16 only where the CPU computes it natively (emulated, it loses too much).
    EXPECT_EQ(bf16.vaeDtype(), cpuHasNativeBf16() ? at::kBFloat16 : at::kFloat);
    expectUNetAndVaeMatchGolden(bf16, kBf16Tolerance);
    // Really computed in the lower precision: not bit-equal to float32.
    const LoadedCheckpoint low = loadSd15(bf16), full = loadSd15(Placement{});
    auto u = test::loadCase("unet-sd15.safetensors");
    const at::Tensor a = low.model->unet->forward(u.at("x"), u.at("timesteps"), u.at("context"));
    const at::Tensor b = full.model->unet->forward(u.at("x"), u.at("timesteps"), u.at("context"));
    EXPECT_GT((a - b).abs().max().item<double>(), 0.0);
}

TEST(Placement, Float16OnCudaMatchesTheGolden) {
    if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA in this build or machine";
    const Placement p = resolvePlacement("cuda", "auto");
    EXPECT_EQ(p.dtype, at::kHalf);
    EXPECT_EQ(p.vaeDtype(), at::kFloat);
    expectUNetAndVaeMatchGolden(p, kFp16Tolerance);
}

TEST(Placement, RunningOutOfMemorySaysSoAndHowToNeedLess) {
    std::string message;
    try {
        at::empty({int64_t(1) << 52}, at::kFloat);  // 16 PiB
    } catch (const c10::Error& e) {
        message = test::errorOf([&] { rethrowAsError("VAE decode", e); });
    }
    EXPECT_NE(message.find("VAE decode ran out of memory"), std::string::npos) << message;
    EXPECT_NE(message.find("smaller image"), std::string::npos) << message;
}
