#include "core/common/error.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace tessera;
using namespace tessera::engine;

namespace {

std::string writeBytes(const std::string& dir, const std::string& name, const std::string& bytes) {
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string withHeader(const std::string& json, const std::string& data) {
    std::string out(8, '\0');
    uint64_t n = json.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
    return out + json + data;
}

std::string openError(const std::string& path) {
    try {
        SafetensorsFile::open(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Safetensors, ReadsTinyCheckpointWithRealLayout) {
    auto f = SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors"));
    const TensorEntry* e = f->find("model.diffusion_model.input_blocks.0.0.weight");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->dtype, DType::F16);
    EXPECT_EQ(e->shape, (std::vector<int64_t>{32, 4, 3, 3}));
    at::Tensor t = f->tensor(e->name, at::kFloat);
    EXPECT_EQ(t.scalar_type(), at::kFloat);
    EXPECT_GT(t.abs().sum().item<double>(), 0.0);
    const TensorEntry* pos = f->find("cond_stage_model.transformer.text_model.embeddings.position_ids");
    ASSERT_NE(pos, nullptr);
    EXPECT_EQ(pos->dtype, DType::I64);
    EXPECT_EQ(f->tensor(pos->name)[0][76].item<int64_t>(), 76);
}

TEST(Safetensors, WriteThenReadRoundTripsEveryDtype) {
    const std::string dir = test::makeTempDir("st");
    std::map<std::string, at::Tensor> in{
        {"f32", at::randn({3, 5})},
        {"f16", at::randn({4}).to(at::kHalf)},
        {"bf16", at::randn({2, 2}).to(at::kBFloat16)},
        {"i64", at::arange(7, at::kLong)},
        {"empty", at::zeros({0, 3})},
    };
    writeSafetensors(dir + "/a.safetensors", in, {{"note", "hello"}});
    auto f = SafetensorsFile::open(dir + "/a.safetensors");
    EXPECT_EQ(f->metadata().at("note"), "hello");
    for (const auto& [k, v] : in) {
        at::Tensor got = f->tensor(k);
        EXPECT_EQ(got.scalar_type(), v.scalar_type()) << k;
        EXPECT_TRUE(at::equal(got, v)) << k;
    }
    std::filesystem::remove_all(dir);
}

TEST(Safetensors, MappedTensorsAreCopyOnWrite) {
    const std::string dir = test::makeTempDir("st");
    writeSafetensors(dir + "/a.safetensors", {{"x", at::ones({4})}});
    {
        auto f = SafetensorsFile::open(dir + "/a.safetensors");
        at::Tensor x = f->tensor("x");
        x.mul_(3);  // must not crash and must not change the file
    }
    auto f = SafetensorsFile::open(dir + "/a.safetensors");
    EXPECT_TRUE(at::equal(f->tensor("x"), at::ones({4})));
    std::filesystem::remove_all(dir);
}

TEST(Safetensors, TruncatedFileIsReportedClearly) {
    const std::string dir = test::makeTempDir("st");
    std::ifstream src(test::refdataPath("models/tiny-vae.safetensors"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(src)), {});
    const std::string path = writeBytes(dir, "cut.safetensors", bytes.substr(0, bytes.size() / 2));
    const std::string msg = openError(path);
    EXPECT_NE(msg.find("cut.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_NE(openError(writeBytes(dir, "tiny.safetensors", "abc")).find("too small"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(Safetensors, CorruptHeadersAreRejectedWithTheReason) {
    const std::string dir = test::makeTempDir("st");
    struct Case {
        std::string json, data, expect;
    } cases[] = {
        {"{not json", "", "not valid JSON"},
        {R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", "0000", "unknown dtype"},
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "0000", "does not match"},
        {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", "0000", "beyond the end"},
        {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "0000", "invalid data_offsets"},
        {R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "0000", "invalid shape"},
        {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
         "00000000", "overlap"},
        {R"({"__metadata__":{"x":1}})", "", "not a string"},
    };
    int i = 0;
    for (const auto& c : cases) {
        const std::string msg = openError(writeBytes(dir, "c" + std::to_string(i++) + ".safetensors", withHeader(c.json, c.data)));
        EXPECT_NE(msg.find(c.expect), std::string::npos) << c.json << " -> " << msg;
    }
    std::string huge(8, '\xff');
    EXPECT_NE(openError(writeBytes(dir, "huge.safetensors", huge + "{}")).find("header length"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(Safetensors, PicklesAreRefusedWithAConversionHint) {
    const std::string dir = test::makeTempDir("st");
    const std::string msg = openError(writeBytes(dir, "model.ckpt", std::string("PK\x03\x04", 4) + std::string(64, '\0')));
    EXPECT_NE(msg.find("pickle"), std::string::npos) << msg;
    EXPECT_NE(msg.find("safetensors"), std::string::npos) << msg;
    EXPECT_NE(openError(dir + "/missing.safetensors").find("cannot open"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(Weights, PrefixViewsAndMissingKeysNameTheFullKey) {
    auto f = SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors"));
    Weights unet = Weights::fromFile(*f, "model.diffusion_model.");
    EXPECT_TRUE(unet.hasModule("input_blocks"));
    Weights block = unet.sub("input_blocks.0.0");
    EXPECT_EQ(block("weight").sizes(), (std::vector<int64_t>{32, 4, 3, 3}));
    try {
        block("nope");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("input_blocks.0.0.nope"), std::string::npos);
    }
    EXPECT_FALSE(unet.hasModule("first_stage_model"));
}

// The loader drops the file's pages of tensors it converted (no second resident copy of the weights);
// the data must stay readable and exact, and unconverted tensors stay views of the mapping.
TEST(Safetensors, ConvertedTensorsReleaseTheirPagesAndStayReadable) {
    const std::string dir = test::makeTempDir("st");
    at::manual_seed(0);
    const at::Tensor big = at::randn({256, 1024}).to(at::kHalf);  // 512 KiB: many whole pages
    const at::Tensor f32 = at::randn({3, 4});
    writeSafetensors(dir + "/a.safetensors", {{"big", big}, {"f32", f32}});
    auto file = SafetensorsFile::open(dir + "/a.safetensors");
    const Weights w = Weights::fromFile(*file, "", at::kFloat);
    EXPECT_TRUE(at::equal(w("big"), big.to(at::kFloat)));
    EXPECT_TRUE(at::equal(file->tensor("big"), big));  // read again from the page cache after the release
    EXPECT_NE(w("f32").data_ptr(), file->tensor("f32").data_ptr());  // float32 weights are copied too: no view of the file
    file->releasePages("f32");                                       // a no-op for a tensor smaller than a page
    file->releasePages("no such tensor");
    EXPECT_TRUE(at::equal(w("f32"), f32));
    std::filesystem::remove_all(dir);
}

// bfloat16 convolution kernels larger than 1x1 load channels-last (what channels-last convolutions read),
// holding the same values; 1x1 kernels and other tensors stay contiguous.
TEST(Weights, Bfloat16SpatialKernelsLoadChannelsLastWithTheSameValues) {
    const std::string dir = test::makeTempDir("st");
    at::manual_seed(1);
    const at::Tensor conv = at::randn({8, 5, 3, 3}).to(at::kHalf), pointwise = at::randn({8, 5, 1, 1}).to(at::kHalf);
    writeSafetensors(dir + "/k.safetensors", {{"conv", conv}, {"pointwise", pointwise}});
    auto file = SafetensorsFile::open(dir + "/k.safetensors");
    const Weights w = Weights::fromFile(*file, "", at::kBFloat16);
    EXPECT_TRUE(w("conv").is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_FALSE(w("conv").is_contiguous());
    EXPECT_TRUE(at::equal(w("conv"), conv.to(at::kBFloat16)));
    EXPECT_TRUE(w("pointwise").is_contiguous());
    EXPECT_TRUE(at::equal(w("pointwise"), pointwise.to(at::kBFloat16)));
    const Weights f = Weights::fromFile(*file, "", at::kFloat);
    EXPECT_TRUE(f("conv").is_contiguous());  // the float32 path computes NCHW
    std::filesystem::remove_all(dir);
}

TEST(Safetensors, ATruncatedMappingReadsZerosAndIsReportedInsteadOfKillingTheProcess) {
    const std::string dir = test::makeTempDir("st");
    const std::string path = dir + "/a.safetensors";
    writeSafetensors(path, {{"big", at::ones({64, 1024})}});  // 256 KiB of 1.0f
    auto file = SafetensorsFile::open(path);
    const at::Tensor view = file->tensor("big");
    file->checkUnchanged();
    const auto before = std::filesystem::file_size(path);
    // Another program cuts the file short while it is mapped: reading the lost pages raised SIGBUS.
    ASSERT_EQ(::truncate(path.c_str(), 8192), 0);
    const double sum = view.sum().item<double>();
    EXPECT_LT(sum, 64 * 1024);
    EXPECT_GE(sum, 1024);  // what was left in the file's first page(s) reads as it was
    const std::string message = test::errorOf([&] { file->checkUnchanged(); });
    EXPECT_EQ(message, "'" + path + "': changed on disk while it was being read (truncated or rewritten; it is now 8192 "
                       "bytes, was " + std::to_string(before) + "); wait until it is completely written or copied, then run again");
    std::filesystem::remove_all(dir);
}

TEST(Safetensors, AFileReplacedByRenameKeepsTheOldMappingValid) {
    const std::string dir = test::makeTempDir("st");
    const std::string path = dir + "/a.safetensors";
    writeSafetensors(path, {{"x", at::ones({4096})}});
    auto file = SafetensorsFile::open(path);
    writeSafetensors(path, {{"x", at::zeros({16})}});  // written atomically: a new file renamed over the old
    EXPECT_TRUE(at::equal(file->tensor("x"), at::ones({4096})));
    EXPECT_EQ(test::errorOf([&] { file->checkUnchanged(); }), "");
    std::filesystem::remove_all(dir);
}

TEST(Weights, LoadedWeightsOwnTheirMemorySoTruncatingTheFileLaterIsHarmless) {
    const std::string dir = test::makeTempDir("st");
    const std::string path = dir + "/a.safetensors";
    const at::Tensor f32 = at::randn({128, 1024}), ids = at::arange(77, at::kLong).unsqueeze(0);
    writeSafetensors(path, {{"w", f32}, {"position_ids", ids}});
    Weights w;
    {
        auto file = SafetensorsFile::open(path);
        w = Weights::fromFile(*file, "", at::kFloat);
    }
    ASSERT_EQ(::truncate(path.c_str(), 0), 0);
    EXPECT_TRUE(at::equal(w("w"), f32));
    EXPECT_TRUE(at::equal(w("position_ids"), ids));
    std::filesystem::remove_all(dir);
}

TEST(SafetensorsDeathTest, ASigbusOutsideTheGuardedMappingsStillEndsTheProcess) {
    const std::string dir = test::makeTempDir("st");
    const std::string guarded = dir + "/a.safetensors", other = dir + "/other.bin";
    writeSafetensors(guarded, {{"x", at::ones({4})}});
    std::ofstream(other, std::ios::binary) << std::string(1 << 16, 'x');
    auto file = SafetensorsFile::open(guarded);  // installs the handler
    EXPECT_EXIT(
        {
            const int fd = ::open(other.c_str(), O_RDONLY);
            auto* p = static_cast<volatile char*>(::mmap(nullptr, 1 << 16, PROT_READ, MAP_SHARED, fd, 0));
            if (::ftruncate(::open(other.c_str(), O_WRONLY), 0) != 0) std::_Exit(3);
            std::_Exit(p[40000] == 'x' ? 1 : 2);  // faults: the file no longer has that page
        },
        ::testing::KilledBySignal(SIGBUS), "");
    std::filesystem::remove_all(dir);
}
