#include "core/io/png_metadata.h"

#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "io_test_support.h"

using namespace tessera;
using tessera::test::expectError;
using tessera::test::makeTinyPng;
using tessera::test::readFixture;

namespace {

QByteArray zlibCompress(const std::string& s) {
    uLongf n = compressBound(uLong(s.size()));
    QByteArray out(qsizetype(n), 0);
    compress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(s.data()), uLong(s.size()));
    out.resize(qsizetype(n));
    return out;
}

}  // namespace

TEST(IoPng, TextRoundTripAfterIhdrWithValidCrcs) {
    const QByteArray png = makeTinyPng();
    const std::string unicode = "{\"text\": \"caf\xC3\xA9 \xF0\x9F\xA6\x8A\"}";
    const QByteArray withText = addPngText(png, {{"tessera", "{\"a\": 1}"}, {"prompt", unicode}});
    const auto text = readPngText(withText);  // also re-validates every CRC
    EXPECT_EQ(text.size(), 2u);
    EXPECT_EQ(text.at("tessera"), "{\"a\": 1}");
    EXPECT_EQ(text.at("prompt"), unicode);
    // Inserted right after IHDR (8 signature + 25 IHDR bytes), ASCII as tEXt, the rest as iTXt.
    EXPECT_EQ(withText.mid(37, 4), QByteArray("iTXt"));  // std::map order: "prompt" first
    EXPECT_TRUE(withText.contains("tEXttessera"));
    EXPECT_EQ(withText.left(33), png.left(33));
    EXPECT_TRUE(withText.endsWith(png.right(12)));  // IEND untouched

    // Replacing a key keeps one chunk.
    const auto replaced = readPngText(addPngText(withText, {{"tessera", "{\"a\": 2}"}}));
    EXPECT_EQ(replaced.at("tessera"), "{\"a\": 2}");
    EXPECT_EQ(replaced.at("prompt"), unicode);
    EXPECT_EQ(addPngText(withText, {{"tessera", "{\"a\": 2}"}}).count("tessera"), 1);
    expectError([&] { addPngText(png, {{"", "x"}}); }, {"cannot be a PNG text key"});
}

TEST(IoPng, ReadsLatin1TextZtxtAndCompressedItxt) {
    const QByteArray png = makeTinyPng({
        {"tEXt", QByteArray("Comment\0caf\xE9", 12)},                            // Latin-1 é
        {"zTXt", QByteArray("workflow\0\0", 10) + zlibCompress("{\"nodes\": []}")},
        {"iTXt", QByteArray("prompt\0\1\0en\0Prompt\0", 19) + zlibCompress("{}")},
    });
    const auto text = readPngText(png);
    EXPECT_EQ(text.at("Comment"), "caf\xC3\xA9");
    EXPECT_EQ(text.at("workflow"), "{\"nodes\": []}");
    EXPECT_EQ(text.at("prompt"), "{}");
}

TEST(IoPng, CorruptAndTruncatedFilesGiveClearErrors) {
    const QByteArray good = addPngText(makeTinyPng(), {{"tessera", "{\"x\": 1}"}});
    expectError([] { readPngText("GIF89a......"); }, {"not a PNG file"});
    expectError([] { readPngText(QByteArray()); }, {"not a PNG file"});

    QByteArray badCrc = good;
    const qsizetype at = badCrc.indexOf("{\"x\"");
    badCrc[at + 2] = 'y';
    expectError([&] { readPngText(badCrc); }, {"the PNG is corrupt", "chunk 'tEXt' at byte 33 has a bad CRC"});

    expectError([&] { readPngText(good.left(at + 3)); }, {"the PNG is truncated", "chunk 'tEXt' at byte 33", "needs 16 bytes"});
    expectError([&] { readPngText(good.left(good.size() - 12)); }, {"the PNG is truncated", "before its IEND"});
    expectError([&] { readPngText(good.left(good.size() - 5)); }, {"the PNG is truncated", "is incomplete"});
    QByteArray hugeLength = good;
    hugeLength[33] = char(0xFF);
    expectError([&] { readPngText(hugeLength); }, {"invalid length"});
    // Every prefix of a valid file is refused, never over-read.
    for (qsizetype n = 0; n < good.size(); ++n) EXPECT_THROW(readPngText(good.left(n)), Error) << n;
    expectError([&] { addPngText(badCrc, {{"k", "v"}}); }, {"bad CRC"});
    const QByteArray badZtxt = makeTinyPng({{"zTXt", QByteArray("workflow\0\0garbage", 17)}});
    expectError([&] { readPngText(badZtxt); }, {"compressed text of chunk 'zTXt'", "cannot be read"});
}

TEST(IoPng, GraphFromEachKeyInOrderOfPreference) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    const std::string workflow = readFixture("comfyui_img2img_workflow.json").toStdString();
    const std::string prompt = readFixture("comfyui_img2img_prompt.json").toStdString();
    Graph mine;
    mine.addNode("EmptyLatentImage", 1).widgets = {{"width", Value(640)}, {"height", Value(480)}, {"batch_size", Value(2)}};
    const std::string tessera = graphToJson(mine).toStdString();
    const QByteArray png = makeTinyPng();

    LoadReport r1;
    Graph g = graphFromPng(addPngText(png, {{"tessera", tessera}, {"workflow", workflow}, {"prompt", prompt}}), reg, r1);
    EXPECT_EQ(g.nodes().size(), 1u);
    EXPECT_EQ(g.node(1)->widgets.at("width"), Value(640));

    LoadReport r2;
    g = graphFromPng(addPngText(png, {{"workflow", workflow}, {"prompt", prompt}}), reg, r2);
    EXPECT_EQ(g.nodes().size(), 12u);  // the UI workflow, with its muted and bypassed nodes
    EXPECT_TRUE(g.node(16)->bypassed);

    LoadReport r3;
    g = graphFromPng(addPngText(png, {{"prompt", prompt}}), reg, r3);
    EXPECT_EQ(g.nodes().size(), 9u);
    EXPECT_EQ(r3.unknownTypes, std::vector<std::string>{"Seed (rgthree)"});

    // A "tessera" text from a newer build falls back to the ComfyUI workflow, saying why.
    LoadReport r4;
    g = graphFromPng(addPngText(png, {{"tessera", R"({"format": "tessera-graph", "version": 2, "nodes": []})"},
                                      {"workflow", workflow}}),
                     reg, r4);
    EXPECT_EQ(g.nodes().size(), 12u);
    ASSERT_FALSE(r4.warnings.empty());
    EXPECT_NE(r4.warnings[0].find("'tessera' text could not be used: this graph was saved by a newer Tessera (format 2)"),
              std::string::npos);

    LoadReport r5;
    expectError([&] { graphFromPng(png, reg, r5); }, {"the PNG holds no graph"});
    expectError([&] { graphFromPng(addPngText(png, {{"prompt", "not json"}}), reg, r5); },
                {"'prompt' text could not be used", "not valid JSON"});
}

TEST(IoPng, PromptExportReadsBackThroughPng) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    LoadReport report;
    const Graph g = importGraph(readFixture("comfyui_img2img_workflow.json"), reg, report);
    const QByteArray png = addPngText(makeTinyPng(), {{"prompt", graphToComfyPrompt(g, reg).toStdString()}});
    LoadReport back;
    const Graph fromPng = graphFromPng(png, reg, back);
    EXPECT_EQ(fromPng.node(3)->widgets.at("denoise"), Value(0.6));
    EXPECT_EQ(fromPng.linkInto(11, "pixels")->fromNode, 10);  // bypassed node resolved on export
    EXPECT_EQ(fromPng.node(15), nullptr);                      // muted node not exported
}
