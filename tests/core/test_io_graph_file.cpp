#include "core/io/graph_file.h"

#include "core/io/atomic_file.h"
#include "core/io/bundle.h"
#include "core/io/graph_json.h"
#include "core/io/png_metadata.h"
#include "io_test_support.h"

#include <QDir>
#include <QFile>

using namespace tessera;
using tessera::test::expectError;
using tessera::test::readFixture;

namespace {

struct GraphFileFixture : ::testing::Test {
    GraphFileFixture() {
        tessera::test::registerComfyNodes(reg);
        dir = QString::fromStdString(tessera::test::makeTempDir("graph-file"));
    }
    Registry reg;
    QString dir;
};

}  // namespace

TEST_F(GraphFileFixture, OpensEveryKindByContent) {
    // ComfyUI workflow and prompt: images resolve next to the file.
    writeFileAtomically(dir + "/wf.json", readFixture("comfyui_img2img_workflow.json"));
    LoadedGraph wf = openGraphFile(dir + "/wf.json", reg, dir + "/cache");
    EXPECT_EQ(wf.kind, GraphFileKind::Json);
    EXPECT_EQ(wf.format, GraphFormat::ComfyUIWorkflow);
    EXPECT_EQ(wf.inputDir, QDir(dir).absolutePath());
    EXPECT_EQ(wf.graph.nodes().size(), 12u);
    EXPECT_EQ(wf.report.unknownTypes, std::vector<std::string>{"Seed (rgthree)"});

    writeFileAtomically(dir + "/api.json", readFixture("comfyui_img2img_prompt.json"));
    EXPECT_EQ(openGraphFile(dir + "/api.json", reg, {}).format, GraphFormat::ComfyUIPrompt);

    // graph.json saved atomically and opened again.
    saveGraphJson(dir + "/graph.json", wf.graph);
    LoadedGraph native = openGraphFile(dir + "/graph.json", reg, {});
    EXPECT_EQ(native.format, GraphFormat::Tessera);
    EXPECT_EQ(graphToJson(native.graph), graphToJson(wf.graph));

    // PNG (named .jpg on purpose: the content decides).
    writeFileAtomically(dir + "/img.jpg", addPngText(tessera::test::makeTinyPng(),
                                                     {{"workflow", readFixture("comfyui_img2img_workflow.json").toStdString()}}));
    LoadedGraph png = openGraphFile(dir + "/img.jpg", reg, {});
    EXPECT_EQ(png.kind, GraphFileKind::Png);
    EXPECT_EQ(png.format, GraphFormat::ComfyUIWorkflow);
    EXPECT_EQ(png.graph.nodes().size(), 12u);

    // Bundle: input images land in the extract folder, which becomes the input folder.
    Bundle b;
    b.graph = wf.graph;
    b.files["fox_photo.png"] = "photo";
    b.thumbnailPng = tessera::test::makeTinyPng();
    saveBundle(dir + "/doc.tessera", b);
    LoadedGraph bundle = openGraphFile(dir + "/doc.tessera", reg, dir + "/cache/doc");
    EXPECT_EQ(bundle.kind, GraphFileKind::Bundle);
    EXPECT_EQ(bundle.inputDir, QDir(dir + "/cache/doc").absolutePath());
    EXPECT_EQ(bundle.thumbnailPng, b.thumbnailPng);
    EXPECT_EQ(readWholeFile(bundle.inputDir + "/fox_photo.png"), QByteArray("photo"));
    EXPECT_EQ(collectInputFiles(bundle.graph, reg, bundle.inputDir).size(), 1u);
    expectError([&] { openGraphFile(dir + "/doc.tessera", reg, {}); }, {"doc.tessera", "no folder was given"});
}

TEST_F(GraphFileFixture, ErrorsNameTheFile) {
    expectError([&] { openGraphFile(dir + "/missing.json", reg, {}); }, {"could not open", "missing.json"});
    writeFileAtomically(dir + "/junk.json", "\x01\x02 not json");
    expectError([&] { openGraphFile(dir + "/junk.json", reg, {}); }, {"junk.json", "not valid JSON"});
    writeFileAtomically(dir + "/cut.tessera", QByteArray("PK\x03\x04", 4) + QByteArray(100, 'z'));
    expectError([&] { openGraphFile(dir + "/cut.tessera", reg, dir + "/x"); }, {"cut.tessera", "not a Tessera bundle"});
    writeFileAtomically(dir + "/cut.png", tessera::test::makeTinyPng().left(40));
    expectError([&] { openGraphFile(dir + "/cut.png", reg, {}); }, {"cut.png", "the PNG is truncated"});
    writeFileAtomically(dir + "/new.json", R"({"format": "tessera-graph", "version": 2, "nodes": []})");
    expectError([&] { openGraphFile(dir + "/new.json", reg, {}); },
                {"new.json", "was saved by a newer Tessera (format 2); this build reads up to 1"});
}

TEST_F(GraphFileFixture, SaveGraphJsonReplacesOnlyOnSuccess) {
    Graph g;
    g.addNode("EmptyLatentImage", 1);
    saveGraphJson(dir + "/g.json", g);
    const QByteArray before = readWholeFile(dir + "/g.json");
    QDir().mkpath(dir + "/g.json.d");
    expectError([&] { saveGraphJson(dir + "/g.json.d", g); }, {"could not save", "g.json.d"});  // a folder
    EXPECT_EQ(readWholeFile(dir + "/g.json"), before);
    g.addNode("EmptyLatentImage", 2);
    saveGraphJson(dir + "/g.json", g);
    EXPECT_EQ(graphFromJson(readWholeFile(dir + "/g.json")).nodes().size(), 2u);
}
