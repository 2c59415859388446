// Nodes refuse work that cannot fit in the memory available, before allocating, with a message
// naming the node, the size and the limit; allocation failures inside libtorch are reported the
// same way. Tests set a small limit (setMemoryLimitForTesting) instead of exhausting the machine.
#include "core/common/error.h"
#include "core/engine/networks/vae.h"
#include "core/exec/memory_budget.h"
#include "nodes/memory_estimates.h"
#include "nodes/image_convert.h"
#include "nodes/image_header.h"
#include "tests/support/memory_limit_for_test.h"
#include "tests/support/refdata.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/node_test_support.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include <fstream>
#include <iterator>

using namespace tessera;
using namespace tessera::test;

namespace {

constexpr uint64_t MiB = uint64_t(1) << 20, GiB = uint64_t(1) << 30;

std::vector<uint8_t> encoded(const std::string& ext, int width, int height) {
    cv::Mat img(height, width, CV_8UC3, cv::Scalar(10, 200, 30));
    std::vector<uint8_t> out;
    EXPECT_TRUE(cv::imencode(ext, img, out)) << ext;
    return out;
}

void appendChunk(std::string& png, const char* type, const std::string& data) {
    auto be32 = [&](uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) png.push_back(char((v >> s) & 0xFF));
    };
    be32(uint32_t(data.size()));
    const std::string body = type + data;
    png += body;
    be32(uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
}

// A real, decodable 1-bit greyscale PNG of width x height black pixels (10000x10000 is 14 KiB).
std::string blackPng(uint32_t width, uint32_t height) {
    const size_t rowBytes = 1 + (width + 7) / 8;
    const std::string row(rowBytes, '\0');
    z_stream z{};
    deflateInit(&z, 9);
    std::string idat;
    std::vector<unsigned char> buffer(1 << 16);
    for (uint32_t y = 0; y < height; ++y) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(row.data()));
        z.avail_in = uInt(row.size());
        const int flush = y + 1 == height ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = buffer.data();
            z.avail_out = uInt(buffer.size());
            deflate(&z, flush);
            idat.append(reinterpret_cast<char*>(buffer.data()), buffer.size() - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    std::string png = "\x89PNG\r\n\x1a\n";
    std::string ihdr;
    for (const uint32_t v : {width, height})
        for (int s = 24; s >= 0; s -= 8) ihdr.push_back(char((v >> s) & 0xFF));
    ihdr += std::string("\x01\x00\x00\x00\x00", 5);  // bit depth 1, greyscale, deflate, filter 0, no interlace
    appendChunk(png, "IHDR", ihdr);
    appendChunk(png, "IDAT", idat);
    appendChunk(png, "IEND", "");
    return png;
}

class ResourceGuards : public ::testing::Test {
protected:
    RunResult run(std::vector<NodeId> targets) { return executor.run(b.graph, models.env(), {}, std::move(targets)); }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
};

class ImageGuards : public NodeGraphTest {};

}  // namespace

TEST(ImageHeader, ReadsTheSizeOfEveryFormatLoadImageTakes) {
    for (const std::string ext : {".png", ".jpg", ".webp", ".bmp", ".tiff"}) {
        const auto bytes = encoded(ext, 37, 23);
        const auto size = nodes::readImageDimensions(bytes);
        ASSERT_TRUE(size.has_value()) << ext;
        EXPECT_EQ(size->width, 37u) << ext;
        EXPECT_EQ(size->height, 23u) << ext;
    }
    std::vector<uint8_t> lossless;
    ASSERT_TRUE(cv::imencode(".webp", cv::Mat(23, 37, CV_8UC4, cv::Scalar(1, 2, 3, 4)), lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));
    EXPECT_EQ(nodes::readImageDimensions(lossless)->width, 37u);
    const std::string png = blackPng(10000, 10000);
    const auto big = nodes::readImageDimensions(reinterpret_cast<const uint8_t*>(png.data()), png.size());
    ASSERT_TRUE(big.has_value());
    EXPECT_EQ(big->pixels(), 100'000'000u);
}

TEST(ImageHeader, CutOrUnknownHeadersGiveNothing) {
    const auto jpeg = encoded(".jpg", 37, 23);
    for (size_t cut : {0, 3, 10, 20}) EXPECT_FALSE(nodes::readImageDimensions(jpeg.data(), cut).has_value()) << cut;
    const auto png = encoded(".png", 37, 23);
    EXPECT_FALSE(nodes::readImageDimensions(png.data(), 20).has_value());
    const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
    EXPECT_FALSE(nodes::readImageDimensions(text).has_value());
}

TEST_F(ImageGuards, AHundredMegapixelPngIsRefusedFromItsHeader) {
    const std::string png = blackPng(10000, 10000);
    std::ofstream(env.inputDir + "/huge.png", std::ios::binary) << png;
    MemoryLimitForTest limit(GiB);
    const NodeId load = add("LoadImage", {{"image", "huge.png"}});
    add("PreviewImage");
    link(load, 0, 2, "images");
    EXPECT_EQ(failureOf(2), "LoadImage #1: needs about 5.2 GiB for decoding the 10000x10000 image '" + env.inputDir +
                                "/huge.png', but only 1.0 GiB is available (the memory limit set for this run); use a "
                                "smaller size or batch");
}

TEST_F(ImageGuards, AnAbsurdUpscaleIsRefused) {
    MemoryLimitForTest limit(256 * MiB);
    const NodeId image = this->image(at::rand({1, 32, 32, 3}));
    const NodeId scale = add("ImageScale", {{"upscale_method", "bilinear"}, {"width", 8000}, {"height", 8000}, {"crop", "disabled"}});
    link(image, 0, scale, "image");
    EXPECT_EQ(failureOf(scale), "ImageScale #2: needs about 2.1 GiB for resizing to 8000x8000 (batch 1), but only "
                                "256.0 MiB is available (the memory limit set for this run); use a smaller size or batch");
}

TEST_F(ResourceGuards, AHugeEmptyLatentIsRefusedBeforeAllocating) {
    MemoryLimitForTest limit(GiB);
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 16384}, {"height", 16384}, {"batch_size", 64}});
    const RunResult r = run({empty});
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.failedNode, empty);
    EXPECT_EQ(r.message, "EmptyLatentImage #1: needs about 4.0 GiB for a 64x4x2048x2048 latent (16384x16384 pixels, "
                         "batch 64), but only 1.0 GiB is available (the memory limit set for this run); use a smaller "
                         "size or batch");

    const NodeId up = b.add("LatentUpscale", {{"upscale_method", "bilinear"}, {"width", 16384}, {"height", 16384}, {"crop", "disabled"}});
    b.set(empty, "width", 512);
    b.set(empty, "height", 512);
    b.link(empty, 0, up, "samples");
    const RunResult upscaled = run({up});
    EXPECT_EQ(upscaled.message, "LatentUpscale #2: needs about 4.0 GiB for a 64x4x2048x2048 latent (16384x16384 pixels), "
                                "but only 1.0 GiB is available (the memory limit set for this run); use a smaller size or batch");
}

TEST_F(ResourceGuards, SamplingAndDecodingCheckTheirWorkingSetAndARerunKeepsWhatRan) {
    const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    const NodeId positive = b.add("CLIPTextEncode", {{"text", "a cat"}}), negative = b.add("CLIPTextEncode", {{"text", ""}});
    b.link(loader, 1, positive, "clip");
    b.link(loader, 1, negative, "clip");
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 256}, {"height", 256}, {"batch_size", 1}});
    const NodeId sampler = b.add("KSampler", {{"seed", 1}, {"steps", 1}, {"cfg", 7.0}, {"sampler_name", "euler"},
                                              {"scheduler", "normal"}, {"denoise", 1.0}});
    b.link(loader, 0, sampler, "model");
    b.link(positive, 0, sampler, "positive");
    b.link(negative, 0, sampler, "negative");
    b.link(empty, 0, sampler, "latent_image");
    const NodeId decode = b.add("VAEDecode");
    b.link(sampler, 0, decode, "samples");
    b.link(loader, 2, decode, "vae");

    std::vector<ExecEvent> events;
    auto observer = [&](const ExecEvent& e) { events.push_back(e); };
    {
        MemoryLimitForTest limit(16 * MiB);  // the 1x4x32x32 latent fits, attention's 2 x 64 MiB of scores do not
        const RunResult r = executor.run(b.graph, models.env(), observer, {decode});
        ASSERT_TRUE(r.failed());
        EXPECT_EQ(r.failedNode, sampler);
        EXPECT_EQ(r.message.rfind("KSampler #5: needs about ", 0), 0u) << r.message;
        EXPECT_NE(r.message.find(" for sampling a 1x4x32x32 latent (256x256 pixels), but only 16.0 MiB is available"),
                  std::string::npos)
            << r.message;
    }
    {
        MemoryLimitForTest limit(4 * GiB);
        const RunResult r = executor.run(b.graph, models.env(), observer, {sampler});
        ASSERT_TRUE(r.succeeded()) << r.message;
    }
    {
        MemoryLimitForTest limit(MiB);
        const RunResult r = executor.run(b.graph, models.env(), observer, {decode});
        ASSERT_TRUE(r.failed());
        EXPECT_EQ(r.failedNode, decode);
        EXPECT_EQ(r.message.rfind("VAEDecode #6: needs about ", 0), 0u) << r.message;
        EXPECT_NE(r.message.find(" for decoding 1 image(s) of 256x256 pixels, but only 1.0 MiB is available"), std::string::npos)
            << r.message;
    }
    events.clear();
    const RunResult r = executor.run(b.graph, models.env(), observer, {decode});
    ASSERT_TRUE(r.succeeded()) << r.message;
    int cached = 0, executed = 0;
    for (const auto& e : events) {
        cached += e.kind == ExecEvent::Kind::NodeCached;
        executed += e.kind == ExecEvent::Kind::NodeStarted;
    }
    EXPECT_EQ(executed, 1);  // only the decode: what ran before the refusals was kept
    EXPECT_EQ(cached, 5);
}

TEST_F(ResourceGuards, ALibtorchAllocationFailureIsReportedAsTheNodeRunningOutOfMemory) {
    // A real failed allocation: 256 GiB is refused by the kernel's overcommit heuristic on any machine with
    // less memory + swap (with more, at::zeros would really fill it: skipped there).
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    uint64_t kib = 0, total = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit)
        if (key == "MemTotal:" || key == "SwapTotal:") total += kib * 1024;
    std::ifstream overcommit("/proc/sys/vm/overcommit_memory");
    int mode = -1;
    overcommit >> mode;
    if (total > 200 * GiB || mode == 1) GTEST_SKIP() << "this machine could grant 256 GiB";
    MemoryLimitForTest noLimit(UINT64_MAX);
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 16384}, {"height", 16384}, {"batch_size", 4096}});
    const RunResult r = run({empty});
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.failedNode, empty);
    EXPECT_EQ(r.message.rfind("EmptyLatentImage #1: ran out of memory (", 0), 0u) << r.message;
    EXPECT_NE(r.message.find("can't allocate memory: you tried to allocate 274877906944 bytes"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("); use a smaller image or batch"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << "no libtorch backtrace in the message";
}

// libFuzzer's image_decode crash: bytes that start almost like a TIFF ("MMM*") and hold "DICM" at
// offset 128. OpenCV's TIFF decoder declined them, its DICOM decoder (GDCM) took them and aborted the
// process. Only the formats LoadImage takes now reach imdecode; the rest are refused by name.
TEST(VaeWholeOrTiled, WholeUpTo768PixelsAndAboveWhereMemoryAllows) {
    // SD's VAE (128 channels) in float32: up to 96x96 latent cells whole whatever the memory (the tiles
    // would not fit either); above that whole where the whole run's estimate fits the limit, else tiled.
    const engine::VaeConfig sd;
    ASSERT_EQ(96 * 96, engine::Vae::kWholeLatentCells);
    const uint64_t whole1024 = nodes::vaeDecodeBytes(sd, 1, 128, 128, 4, 0);
    const uint64_t tiled1024 = nodes::vaeDecodeBytes(sd, 1, 128, 128, 4, 64);
    EXPECT_GT(whole1024, 3 * tiled1024);
    {
        MemoryLimitForTest limit(MiB);
        EXPECT_TRUE(nodes::vaeDecodesWhole(sd, 1, 96, 96, 4));
        EXPECT_TRUE(nodes::vaeEncodesWhole(sd, 1, 768, 768, 4));
        EXPECT_FALSE(nodes::vaeDecodesWhole(sd, 1, 97, 96, 4));
        EXPECT_FALSE(nodes::vaeEncodesWhole(sd, 1, 776, 768, 4));
    }
    {
        MemoryLimitForTest limit(whole1024);
        EXPECT_TRUE(nodes::vaeDecodesWhole(sd, 1, 128, 128, 4));
        EXPECT_FALSE(nodes::vaeDecodesWhole(sd, 2, 128, 128, 4));  // a batch of two needs twice the activations
        EXPECT_FALSE(nodes::vaeEncodesWhole(sd, 1, 1024, 1024, 4));  // and the image's float32 copies on top
    }
    {
        MemoryLimitForTest limit(whole1024 - 1);
        EXPECT_FALSE(nodes::vaeDecodesWhole(sd, 1, 128, 128, 4));
    }
    {
        MemoryLimitForTest limit(64 * GiB);
        EXPECT_TRUE(nodes::vaeDecodesWhole(sd, 1, 128, 128, 4));
        EXPECT_TRUE(nodes::vaeEncodesWhole(sd, 1, 1024, 1024, 4));
    }
}

TEST(ImageHeader, OnlyTheFormatsLoadImageTakesReachTheDecoders) {
    const std::string corpus = tessera::test::sourceDir() + "/tests/fuzz/corpus/image_decode/";
    const auto bytesOf = [&](const std::string& file) {
        std::ifstream in(corpus + file, std::ios::binary);
        return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    for (const char* file : {"rgb8.png", "q90.jpg", "lossy.webp", "alpha.webp", "rgb.bmp", "rgb16.tiff", "rgba.tiff"}) {
        const std::vector<uint8_t> bytes = bytesOf(file);
        ASSERT_FALSE(bytes.empty()) << file;
        EXPECT_TRUE(nodes::hasLoadableImageSignature(bytes.data(), bytes.size())) << file;
    }
    const std::vector<uint8_t> dicom = bytesOf("dicom-after-tiff-lookalike.bin");
    ASSERT_EQ(dicom.size(), 273u);
    EXPECT_FALSE(nodes::hasLoadableImageSignature(dicom.data(), dicom.size()));
    try {
        (void)nodes::decodeImage(dicom, "x.dcm");
        FAIL() << "decoded";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "could not read image 'x.dcm': not a PNG, JPEG, WebP, BMP or TIFF file");
    }
    const std::string ppm = "P6\n1 1\n255\n\xff\x00\x00";
    EXPECT_FALSE(nodes::hasLoadableImageSignature(reinterpret_cast<const uint8_t*>(ppm.data()), ppm.size()));
}
