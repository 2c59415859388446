#include "core/io/bundle.h"

#include "core/io/atomic_file.h"
#include "core/io/graph_json.h"
#include "core/io/graph_file.h"
#include "io_test_support.h"
#include "tests/support/file_size_limit.h"
#include "tests/support/refdata.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipnewinfo.h>

using namespace tessera;
using tessera::test::expectError;

namespace {

QString tempDir(const std::string& tag) { return QString::fromStdString(tessera::test::makeTempDir(tag)); }

void writeFile(const QString& path, const QByteArray& data) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(data);
}

QByteArray zipOf(const std::vector<std::pair<QString, QByteArray>>& entries) {
    QByteArray bytes;
    QBuffer buf(&bytes);
    QuaZip zip(&buf);
    EXPECT_TRUE(zip.open(QuaZip::mdCreate));
    for (const auto& [name, data] : entries) {
        QuaZipFile f(&zip);
        EXPECT_TRUE(f.open(QIODevice::WriteOnly, QuaZipNewInfo(name)));
        f.write(data);
        f.close();
    }
    zip.close();
    return bytes;
}

Graph img2imgGraph() {
    Graph g;
    g.addNode("LoadImage", 10).widgets["image"] = Value("fox_photo.png");
    g.addNode("LoadImage", 11).widgets["image"] = Value("masks/painted mask.png");
    g.addNode("LoadImage", 12).widgets["image"] = Value("fox_photo.png");  // same file twice: stored once
    g.addNode("CheckpointLoaderSimple", 4).widgets["ckpt_name"] = Value("v1-5.safetensors");  // a model: never embedded
    g.addNode("SaveImage", 9).widgets["filename_prefix"] = Value("x");
    g.connect(10, 0, 9, "images", "IMAGE");
    return g;
}

const QByteArray kPhoto("\x89PNG fake photo bytes \x00\x01\x02", 24);
const QByteArray kMask("mask-bytes");

}  // namespace

TEST(IoBundle, RoundTripWithInputImagesAndExtraction) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    const QString in = tempDir("bundle-in");
    writeFile(in + "/fox_photo.png", kPhoto);
    writeFile(in + "/masks/painted mask.png", kMask);

    Bundle b;
    b.graph = img2imgGraph();
    EXPECT_EQ(inputFileNames(b.graph, reg), (std::vector<std::string>{"fox_photo.png", "masks/painted mask.png"}));
    b.files = collectInputFiles(b.graph, reg, in);
    b.thumbnailPng = tessera::test::makeTinyPng();
    const QString path = tempDir("bundle-out") + "/fox.tessera";
    saveBundle(path, b);

    LoadReport report;
    const Bundle back = loadBundle(path, &reg, &report);
    EXPECT_TRUE(report.warnings.empty());
    EXPECT_EQ(back.files.size(), 2u);
    EXPECT_EQ(back.files.at("fox_photo.png"), kPhoto);
    EXPECT_EQ(back.files.at("masks/painted mask.png"), kMask);
    EXPECT_EQ(back.thumbnailPng, b.thumbnailPng);
    EXPECT_EQ(graphToJson(back.graph), graphToJson(b.graph));
    EXPECT_EQ(back.graph.node(11)->widgets.at("image").toString(), "masks/painted mask.png");
    EXPECT_EQ(back.graph.links().size(), 1u);

    const QString cache = tempDir("bundle-cache") + "/doc1";
    extractInputFiles(back, cache);
    QFile photo(cache + "/fox_photo.png"), mask(cache + "/masks/painted mask.png");
    ASSERT_TRUE(photo.open(QIODevice::ReadOnly));
    ASSERT_TRUE(mask.open(QIODevice::ReadOnly));
    EXPECT_EQ(photo.readAll(), kPhoto);
    EXPECT_EQ(mask.readAll(), kMask);
    // The graph now runs against the cache folder with nothing missing.
    EXPECT_EQ(collectInputFiles(back.graph, reg, cache).size(), 2u);
}

TEST(IoBundle, GraphJsonInsideListsTheImages) {
    Bundle b;
    b.graph = img2imgGraph();
    b.files["fox_photo.png"] = kPhoto;
    const Bundle back = bundleFromZip(bundleToZip(b));
    EXPECT_EQ(back.files.at("fox_photo.png"), kPhoto);
    EXPECT_TRUE(back.thumbnailPng.isEmpty());
    // Raw check of the archive layout.
    QByteArray zip = bundleToZip(b);
    QBuffer buf(&zip);
    QuaZip z(&buf);
    ASSERT_TRUE(z.open(QuaZip::mdUnzip));
    EXPECT_EQ(z.getFileNameList(), (QStringList{"graph.json", "inputs/fox_photo.png"}));
    ASSERT_TRUE(z.setCurrentFile("graph.json"));
    QuaZipFile f(&z);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const Json graph = parseJson(f.readAll().toStdString());
    ASSERT_NE(graph.find("images"), nullptr);
    EXPECT_EQ(graph.find("images")->array().at(0).toString(), "fox_photo.png");
}

TEST(IoBundle, MissingInputFileNamesNodeAndFile) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    const QString in = tempDir("bundle-missing");
    expectError([&] { collectInputFiles(img2imgGraph(), reg, in); }, {"LoadImage #10", "'fox_photo.png' was not found"});
}

TEST(IoBundle, DamagedArchivesGiveClearErrors) {
    Bundle b;
    b.graph = img2imgGraph();
    QByteArray noise(5000, 0);
    uint32_t state = 12345;
    for (auto& c : noise) c = char((state = state * 1664525u + 1013904223u) >> 24);  // incompressible
    b.files["fox_photo.png"] = noise;
    const QByteArray good = bundleToZip(b);
    expectError([] { bundleFromZip("definitely not a zip file"); }, {"not a Tessera bundle", "not a zip archive"});
    expectError([&] { bundleFromZip(good.left(good.size() / 2)); }, {"not a Tessera bundle", "truncated"});
    // Every truncation that cuts into the central directory or before is refused.
    int refused = 0;
    for (qsizetype n = 0; n < good.size() - 22; n += 7) {
        try {
            bundleFromZip(good.left(n));
        } catch (const Error&) {
            ++refused;
        }
    }
    EXPECT_EQ(refused, int((good.size() - 22 + 6) / 7));
    expectError([] { bundleFromZip(zipOf({{"inputs/a.png", "x"}})); }, {"no graph.json"});
    expectError([] { bundleFromZip(zipOf({{"graph.json", "{}"}, {"../evil.sh", "x"}})); },
                {"unsafe file name '../evil.sh'"});
    expectError([] { bundleFromZip(zipOf({{"graph.json", "{}"}, {"inputs/../../x", "x"}})); }, {"unsafe file name"});
    expectError([] { bundleFromZip(zipOf({{"/etc/passwd", "x"}})); }, {"unsafe file name '/etc/passwd'"});
    expectError([] { bundleFromZip(zipOf({{"graph.json", "{oops"}})); }, {"graph file is not valid JSON"});

    // A flipped byte inside a stored entry fails its checksum.
    QByteArray stored = zipOf({{"graph.json", graphToJson(img2imgGraph())}});
    QByteArray corrupt = bundleToZip(b);
    const qsizetype at = corrupt.indexOf("inputs/fox_photo.png") + 2500;
    corrupt[at] = char(corrupt[at] ^ 0x55);
    expectError([&] { bundleFromZip(corrupt); }, {"the bundle is damaged", "inputs/fox_photo.png"});
    EXPECT_NO_THROW(bundleFromZip(stored));

    expectError([] { loadBundle("/nonexistent/dir/x.tessera"); }, {"could not open '/nonexistent/dir/x.tessera'"});
    Bundle bad;
    bad.files["../outside.png"] = "x";
    expectError([&] { bundleToZip(bad); }, {"unsafe file name '../outside.png'"});
}

TEST(IoBundle, FailedSaveKeepsThePreviousFile) {
    const QString dir = tempDir("bundle-atomic");
    const QString path = dir + "/doc.tessera";
    Bundle first;
    first.graph = img2imgGraph();
    saveBundle(path, first);
    const QByteArray before = readWholeFile(path);

    // The writer dies half way through: the old file must survive, and no temporary file stays.
    EXPECT_THROW(writeFileAtomically(path,
                                     [](QIODevice& out) {
                                         out.write("PK\x03\x04 half a zip");
                                         throw Error("simulated crash while saving");
                                     }),
                 Error);
    EXPECT_EQ(readWholeFile(path), before);
    EXPECT_EQ(QDir(dir).entryList(QDir::Files), QStringList{"doc.tessera"});

    // A bundle that cannot be built fails before the file is touched.
    Bundle broken;
    broken.files["../x.png"] = "x";
    EXPECT_THROW(saveBundle(path, broken), Error);
    EXPECT_EQ(readWholeFile(path), before);

    // Saving where no file can be created reports the path and leaves the old file alone.
    expectError([&] { saveBundle(dir + "/doc.tessera/inside.tessera", first); }, {"could not save", "inside.tessera"});
    EXPECT_EQ(readWholeFile(path), before);

    // And a successful save does replace it.
    Bundle second = first;
    second.files["fox_photo.png"] = kPhoto;
    saveBundle(path, second);
    EXPECT_NE(readWholeFile(path), before);
    EXPECT_EQ(loadBundle(path).files.size(), 1u);
}

TEST(IoBundle, ADiskFullWhileSavingKeepsThePreviousFileAndLeavesNothingBehind) {
    const QString dir = tempDir("bundle-full");
    const QString bundlePath = dir + "/doc.tessera", jsonPath = dir + "/graph.json";
    Bundle small;
    small.graph = img2imgGraph();
    saveBundle(bundlePath, small);
    saveGraphJson(jsonPath, small.graph);
    const QByteArray bundleBefore = readWholeFile(bundlePath), jsonBefore = readWholeFile(jsonPath);

    Bundle big = small;
    QByteArray noise(64 * 1024, '\0');
    uint32_t state = 12345;
    for (char& c : noise) c = char((state = state * 1664525u + 1013904223u) >> 24);  // incompressible
    big.files["noise.bin"] = noise;
    Graph longer = small.graph;
    for (int i = 0; i < 200; ++i) longer.addNode("Note").title = std::string(100, 'n');
    {
        tessera::test::FileSizeLimit full(8 * 1024);  // writes past 8 KiB fail as on a full disk
        expectError([&] { saveBundle(bundlePath, big); }, {"could not save '" + bundlePath.toStdString() + "': File too large"});
        expectError([&] { saveGraphJson(jsonPath, longer); }, {"could not save '" + jsonPath.toStdString() + "': File too large"});
    }
    EXPECT_EQ(readWholeFile(bundlePath), bundleBefore);
    EXPECT_EQ(readWholeFile(jsonPath), jsonBefore);
    EXPECT_EQ(QDir(dir).entryList(QDir::Files | QDir::Hidden), (QStringList{"doc.tessera", "graph.json"}));
}

// Hostile archives from the fuzz corpus: each is refused by name, every time. Reading the names
// through QuaZip's getCurrentFileName() crashed about half the runs on the first of them.
TEST(IoBundle, HostileEntryNamesAreRefusedByNameEveryTime) {
    const std::string corpus = tessera::test::sourceDir() + "/tests/fuzz/corpus/bundle/";
    const std::pair<const char*, const char*> cases[] = {
        {"absolute.zip", "unsafe file name '/etc/evil'"},
        {"dot-dot.zip", "unsafe file name 'inputs/../../evil.png'"},
        {"backslash.zip", "unsafe file name 'inputs\\..\\evil.png'"},
        {"duplicate.zip", "'graph.json' appears twice"},
        {"bomb.zip", "past 512.0 MiB unpacked"},
    };
    for (const auto& [file, message] : cases) {
        QFile f(QString::fromStdString(corpus + file));
        ASSERT_TRUE(f.open(QIODevice::ReadOnly)) << file;
        const QByteArray bytes = f.readAll();
        for (int run = 0; run < (std::string(file) == "bomb.zip" ? 1 : 20); ++run)
            expectError([&] { bundleFromZip(bytes); }, {message});
    }
}

// libFuzzer's slowest bundle inputs (scripts/fuzz.sh): zip bombs whose central directory states
// 2 x 300 MiB, which took 15-17 s each under ASan to inflate up to the 512 MiB budget. Their stated
// sizes now refuse them before anything is inflated; bomb-fuzzed.zip is the fuzzer's mutation.
TEST(IoBundle, AZipBombThatStatesItsSizesIsRefusedBeforeInflating) {
    const std::string corpus = tessera::test::sourceDir() + "/tests/fuzz/corpus/bundle/";
    for (const char* file : {"bomb.zip", "bomb-fuzzed.zip"}) {
        QFile f(QString::fromStdString(corpus + file));
        ASSERT_TRUE(f.open(QIODevice::ReadOnly)) << file;
        const QByteArray bytes = f.readAll();
        expectError([&] { bundleFromZip(bytes); },
                    {"the bundle is damaged: its entries say they unpack to 600.0 MiB, which takes the bundle past 512.0 MiB unpacked"});
    }
}

// A fuzzer mutation of bomb.zip: a 300 MiB entry, then an entry without a name. The whole file list
// is checked before anything is inflated, so it is refused at once (it used to inflate 300 MiB first).
TEST(IoBundle, ABadEntryAfterABigOneIsRefusedBeforeAnythingIsInflated) {
    QFile f(QString::fromStdString(tessera::test::sourceDir() + "/tests/fuzz/corpus/bundle/bomb-broken-list.zip"));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    expectError([&] { bundleFromZip(bytes); }, {"the bundle has an unsafe file name ''"});
}

TEST(IoBundle, TheUnpackedBudgetCountsEveryEntryTheBundleReads) {
    const QByteArray graph = graphToJson(img2imgGraph());
    const QByteArray half(300 << 10, 'x');
    const QByteArray bundle = zipOf({{"graph.json", graph}, {"inputs/a.png", half}, {"inputs/b.png", half}});
    EXPECT_EQ(bundleFromZip(bundle, nullptr, nullptr, qint64(1) << 20).files.size(), 2u);
    expectError([&] { bundleFromZip(bundle, nullptr, nullptr, qint64(512) << 10); },
                {"its entries say they unpack to 600.", "past 512.0 KiB unpacked"});
    // Entries Tessera ignores are not inflated, so they do not count.
    const QByteArray ignored = zipOf({{"graph.json", graph}, {"notes/a.bin", half}, {"notes/b.bin", half}});
    EXPECT_NO_THROW(bundleFromZip(ignored, nullptr, nullptr, qint64(512) << 10));
}
