// PyTorch pickle model files (tests/fixtures/pickle, written by make_pickle_fixtures.py with
// torch 1.13): every tensor read exactly as torch wrote it, in both torch.save formats and
// pickle protocols 2, 4 and 5; shared storages; ComfyUI's state-dict unwrapping; refused
// globals that never run; damaged and truncated files with clear errors.
#include "core/common/error.h"
#include "core/common/strings.h"
#include "core/engine/files/pickle/pickle_file.h"
#include "core/engine/files/pickle/unpickler.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/text/textual_inversion.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/torch_save.h"

#include <ATen/ATen.h>
#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return test::sourceDir() + "/tests/fixtures/pickle/" + name; }

const QJsonObject& expected() {
    static const QJsonObject doc = [] {
        QFile f(QString::fromStdString(fixture("expected.json")));
        EXPECT_TRUE(f.open(QIODevice::ReadOnly));
        return QJsonDocument::fromJson(f.readAll()).object();
    }();
    return doc;
}

// Checks every tensor of `file` against what the generator recorded for it.
void expectAsWritten(const std::string& file) {
    SCOPED_TRACE(file);
    const QJsonObject want = expected()["files"].toObject()[QString::fromStdString(file)].toObject();
    ASSERT_FALSE(want.isEmpty()) << "no expected values for " << file;
    const auto f = openTensorFile(fixture(file));
    std::vector<std::string> names;
    for (const TensorEntry& e : f->entries()) names.push_back(e.name);
    std::vector<std::string> wantNames;
    for (const QString& k : want.keys()) wantNames.push_back(k.toStdString());
    EXPECT_EQ(names, wantNames);
    for (const QString& key : want.keys()) {
        const QJsonObject w = want[key].toObject();
        const at::Tensor t = f->tensor(key.toStdString());
        std::vector<int64_t> shape;
        for (const auto& s : w["shape"].toArray()) shape.push_back(s.toInteger());
        EXPECT_EQ(t.sizes().vec(), shape) << key.toStdString();
        EXPECT_EQ(std::string(c10::toString(t.scalar_type())), [&] {
            const QString d = w["dtype"].toString();
            if (d == "float32") return std::string("Float");
            if (d == "float16") return std::string("Half");
            if (d == "bfloat16") return std::string("BFloat16");
            if (d == "float64") return std::string("Double");
            if (d == "int64") return std::string("Long");
            if (d == "uint8") return std::string("Byte");
            if (d == "bool") return std::string("Bool");
            return d.toStdString();
        }()) << key.toStdString();
        const at::Tensor flat = t.to(at::kDouble).reshape({-1}).contiguous();
        const QJsonArray values = w["values"].toArray();
        ASSERT_EQ(flat.numel(), values.size()) << key.toStdString();
        for (int64_t i = 0; i < flat.numel(); ++i)
            ASSERT_EQ(flat.data_ptr<double>()[i], values[int(i)].toDouble()) << key.toStdString() << "[" << i << "]";
    }
}

}  // namespace

TEST(PickleFiles, ZipAndLegacyFormatsReadEveryDtypeExactly) {
    for (const char* file : {"zip_dtypes.pt", "legacy_dtypes.pt", "zip_protocol4.pt", "zip_protocol5.pt"}) expectAsWritten(file);
    const auto zip = PickleFile::open(fixture("zip_dtypes.pt"));
    const auto legacy = PickleFile::open(fixture("legacy_dtypes.pt"));
    EXPECT_EQ(zip->format(), "zip");
    EXPECT_EQ(legacy->format(), "legacy");
}

TEST(PickleFiles, ViewsOfSharedStoragesHaveTheirOffsetsAndStrides) {
    for (const char* file : {"zip_views.pt", "legacy_views.pt", "renamed_prefix.pt", "zip64_views.pt"})
        expectAsWritten(file);
    // Contiguous views stay views of the one mapped storage, as torch shares them.
    const auto f = openTensorFile(fixture("zip_views.pt"));
    const at::Tensor base = f->tensor("base"), row = f->tensor("row"), tail = f->tensor("tail");
    EXPECT_EQ(row.data_ptr<float>(), base.data_ptr<float>() + 6);
    EXPECT_EQ(tail.data_ptr<float>(), base.data_ptr<float>() + 10);
    EXPECT_TRUE(f->tensor("transposed").is_contiguous());  // non-contiguous views come back as contiguous copies
}

TEST(PickleFiles, StateDictsAreUnwrappedAsComfyUIDoes) {
    expectAsWritten("lightning.ckpt");         // "state_dict"; numpy scalars and a callback class as metadata
    expectAsWritten("legacy_lightning.ckpt");
    expectAsWritten("esrgan_params_ema.pth");  // "params_ema" over "params"
    expectAsWritten("dataparallel.pth");       // "module." removed
    expectAsWritten("embedding_a1111.pt");     // nested dicts joined with "."
    const auto f = PickleFile::open(fixture("lightning.ckpt"));
    ASSERT_FALSE(f->notes().empty());
    EXPECT_TRUE(contains(f->notes()[0], "state_dict")) << f->notes()[0];
}

TEST(PickleFiles, A1111EmbeddingLoadsFromItsFolder) {
    const std::string dir = test::makeTempDir("pickle-embedding");
    fs::copy_file(fixture("embedding_a1111.pt"), dir + "/tiny.pt");
    const EmbeddingFolders folders({dir});
    const auto vectors = folders.find("tiny", 8, "clip_l");
    ASSERT_TRUE(vectors.has_value());
    EXPECT_TRUE(at::equal(*vectors, openTensorFile(fixture("embedding_a1111.pt"))->tensor("string_to_param.*")));
    fs::remove_all(dir);
}

TEST(PickleFiles, RefusesEveryOtherGlobalWithoutRunningIt) {
    const std::string marker = expected()["marker"].toString().toStdString();
    fs::remove(marker);
    const std::pair<const char*, const char*> cases[] = {
        {"evil_system.pt", "refused global posix.system in evil_system.pt"},
        {"evil_system_legacy.pt", "refused global posix.system in evil_system_legacy.pt"},
        {"evil_system_protocol4.pt", "refused global posix.system"},
        {"evil_eval.pt", "refused global __builtin__.eval"},
        {"evil_class.pt", "refused global __main__.Unknown"},
    };
    for (const auto& [file, message] : cases) {
        const std::string msg = errorOf([&] { openTensorFile(fixture(file)); });
        EXPECT_TRUE(contains(msg, message)) << file << ": " << msg;
        EXPECT_TRUE(contains(msg, "never runs code")) << msg;
    }
    EXPECT_FALSE(fs::exists(marker));
}

TEST(PickleFiles, DamagedStoragesAndExtentsAreClearErrors) {
    std::string msg = errorOf([] { openTensorFile(fixture("bad_storage_size.pt")); });
    EXPECT_TRUE(contains(msg, "bad_storage_size.pt") && contains(msg, "should hold 12 elements of 4 bytes but has 44 bytes"))
        << msg;
    msg = errorOf([] { openTensorFile(fixture("legacy_bad_storage_size.pt")); });
    EXPECT_TRUE(contains(msg, "should hold 24 elements but its header says 23")) << msg;
    msg = errorOf([] { openTensorFile(fixture("bad_extent.pt")); });
    EXPECT_TRUE(contains(msg, "tensor 'weight' reaches element 11 of a storage of 4 elements")) << msg;
}

TEST(PickleFiles, EveryTruncationIsAnErrorNamingTheFile) {
    for (const char* file : {"zip_dtypes.pt", "legacy_dtypes.pt", "legacy_lightning.ckpt", "zip64_views.pt"}) {
        std::ifstream in(fixture(file), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
        for (size_t n = 0; n < bytes.size(); ++n) {
            const std::string msg = errorOf([&] { pickle::readTorchPickle(data, n, "cut.pt"); });
            ASSERT_TRUE(contains(msg, "cut.pt")) << file << " cut at " << n << ": '" << msg << "'";
        }
    }
    // Through the file API too.
    const std::string dir = test::makeTempDir("pickle-truncated");
    std::ifstream in(fixture("zip_views.pt"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir + "/cut.pt", std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() - 100));
    const std::string msg = errorOf([&] { openTensorFile(dir + "/cut.pt"); });
    EXPECT_TRUE(contains(msg, "cut.pt") && contains(msg, "truncated")) << msg;
    fs::remove_all(dir);
}

TEST(PickleFiles, ATruncatedMappingReadsZerosAndIsReportedInsteadOfKillingTheProcess) {
    const std::string dir = test::makeTempDir("pickle-mapped");
    writeSafetensors(dir + "/a.safetensors", {{"big", at::ones({64, 1024})}});  // 256 KiB of 1.0f
    const std::string path = dir + "/a.pt";
    test::writeTorchSaveCopy(dir + "/a.safetensors", path, false);
    const auto file = openTensorFile(path);
    const at::Tensor view = file->tensor("big");
    file->checkUnchanged();
    // Another program cuts the file short while it is mapped: reading the lost pages raised SIGBUS.
    ASSERT_EQ(::truncate(path.c_str(), 8192), 0);
    EXPECT_LT(view.sum().item<double>(), 64 * 1024);
    const std::string msg = errorOf([&] { file->checkUnchanged(); });
    EXPECT_TRUE(contains(msg, "'" + path + "': changed on disk while it was being read (truncated or rewritten; it is now 8192 bytes"))
        << msg;
    fs::remove_all(dir);
}

// Hand-written pickles for what torch.save never writes but a hostile file can.
using namespace std::string_literals;

std::string unpickleError(const std::string& bytes) {
    pickle::PickleArena arena;
    const pickle::StorageResolver none = [](const pickle::StorageRequest&) -> int64_t { throw Error("no storages"); };
    return errorOf([&] { pickle::unpickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), arena, none, "h.pt"); });
}

TEST(PickleFiles, HostileInstructionsAreRefused) {
    // Protocol 0's INST names its class inline.
    EXPECT_TRUE(contains(unpickleError("(ios\nsystem\n."), "refused global os.system in h.pt")) << "INST";
    // set(list) repeated over one large list must not multiply memory.
    std::string bomb = "\x80\x02]q\x00("s;
    for (int i = 0; i < 1000; ++i) bomb += "K\x01";
    bomb += "ec__builtin__\nset\nq\x01";
    for (int i = 0; i < 3000; ++i) bomb += "h\x01h\x00\x85R0"s;
    bomb += "N.";
    EXPECT_TRUE(contains(unpickleError(bomb), "copies the same containers over and over")) << unpickleError(bomb);
    EXPECT_TRUE(contains(unpickleError("\x80\x02h\x05."), "memo entry 5, which was never stored"));
    EXPECT_TRUE(contains(unpickleError("\x80\x02R."), "stack underflow"));
    EXPECT_TRUE(contains(unpickleError("\x80\x02\xff."), "unsupported instruction 0xff"));
}

TEST(PickleFiles, SafetensorsStillOpenThroughTheSameEntryPoint) {
    const auto f = openTensorFile(test::refdataPath("models/tiny-vae.safetensors"));
    EXPECT_TRUE(f->contains("decoder.conv_in.weight"));
    EXPECT_TRUE(isPickleModelPath("a/b/model.CKPT"));
    EXPECT_FALSE(isPickleModelPath("model.safetensors"));
}
