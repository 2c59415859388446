#include "core/io/comfyui_import.h"

#include "core/io/graph_json.h"
#include "io_test_support.h"

#include <QJsonDocument>

using namespace tessera;
using tessera::test::expectError;
using tessera::test::readFixture;

namespace {

struct ComfyFixture : ::testing::Test {
    ComfyFixture() { tessera::test::registerComfyNodes(reg); }
    Registry reg;
};

const Link* link(const Graph& g, NodeId to, const std::string& input) { return g.linkInto(to, input); }

// Inputs equal up to number representation (ComfyUI writes cfg 8, Tessera 8.0), "upload" ignored.
void expectSameInputs(const Json& want, const Json& got, const std::string& node) {
    size_t wanted = 0;
    for (const auto& [name, v] : want.object()) {
        if (name == "upload") continue;
        ++wanted;
        const Json* g = got.find(name);
        ASSERT_NE(g, nullptr) << node << " lacks input " << name;
        if (v.isNumber())
            EXPECT_EQ(v.toDouble(), g->toDouble()) << node << "." << name;
        else
            EXPECT_EQ(writeJson(v), writeJson(*g)) << node << "." << name;
    }
    EXPECT_EQ(wanted, got.object().size()) << node << ": " << writeJson(got);
}

}  // namespace

TEST_F(ComfyFixture, DetectsEachFormat) {
    EXPECT_EQ(detectFormat(parseJson(readFixture("comfyui_img2img_workflow.json").toStdString())), GraphFormat::ComfyUIWorkflow);
    EXPECT_EQ(detectFormat(parseJson(readFixture("comfyui_img2img_prompt.json").toStdString())), GraphFormat::ComfyUIPrompt);
    EXPECT_EQ(detectFormat(parseJson(graphToJson(Graph()).toStdString())), GraphFormat::Tessera);
    EXPECT_EQ(detectFormat(parseJson("[1, 2]")), GraphFormat::Unknown);
    EXPECT_EQ(detectFormat(parseJson(R"({"a": {"inputs": {}}})")), GraphFormat::Unknown);
    EXPECT_EQ(detectFormat(parseJson("{}")), GraphFormat::Unknown);
    EXPECT_EQ(detectFormat(QJsonDocument::fromJson(readFixture("comfyui_img2img_prompt.json"))), GraphFormat::ComfyUIPrompt);
}

TEST_F(ComfyFixture, ImportsUiWorkflow) {
    LoadReport report;
    const Graph g = importGraph(readFixture("comfyui_img2img_workflow.json"), reg, report);

    // Reroute #12 and PrimitiveNode #14 are frontend-only and disappear.
    std::vector<NodeId> ids;
    for (const auto& [id, n] : g.nodes()) ids.push_back(id);
    EXPECT_EQ(ids, (std::vector<NodeId>{3, 4, 6, 7, 8, 9, 10, 11, 13, 15, 16, 17}));

    const Node& ks = *g.node(3);
    EXPECT_EQ(ks.widgets.at("seed"), Value(int64_t(156680208700286)));
    EXPECT_EQ(ks.controlAfterGenerate.at("seed"), "randomize");
    EXPECT_EQ(ks.widgets.at("steps"), Value(25));
    EXPECT_EQ(ks.widgets.at("cfg"), Value(8.0));  // file says 8: FLOAT widgets hold floats
    EXPECT_EQ(ks.widgets.at("sampler_name"), Value("dpmpp_2m"));
    EXPECT_EQ(ks.widgets.at("scheduler"), Value("karras"));
    EXPECT_EQ(ks.widgets.at("denoise"), Value(0.6));
    EXPECT_EQ(ks.widgets.size(), 6u);
    EXPECT_EQ(ks.pos.x, 863);
    EXPECT_EQ(ks.size.y, 262);  // {"0": w, "1": h} form

    EXPECT_EQ(g.node(6)->title, "Positive Prompt");
    EXPECT_EQ(g.node(6)->widgets.at("text"), Value("a watercolor painting of a fox in the snow, soft light"));
    EXPECT_EQ(g.node(7)->title, "");
    EXPECT_EQ(g.node(10)->widgets.at("image"), Value("fox_photo.png"));
    EXPECT_EQ(g.node(10)->widgets.size(), 1u);  // the upload button's "image" is not a widget value
    EXPECT_EQ(g.node(4)->widgets.at("ckpt_name"), Value("v1-5-pruned-emaonly.safetensors"));
    EXPECT_EQ(g.node(9)->widgets.at("filename_prefix"), Value("tessera_img2img"));

    EXPECT_TRUE(g.node(16)->bypassed);
    EXPECT_FALSE(g.node(16)->muted);
    EXPECT_TRUE(g.node(15)->muted);
    EXPECT_TRUE(g.node(15)->collapsed);
    EXPECT_FALSE(g.node(3)->muted || g.node(3)->bypassed);

    // Placeholder for the custom node and the note.
    EXPECT_EQ(g.node(13)->type, "Seed (rgthree)");
    EXPECT_NE(g.node(13)->placeholderJson.find("\"comfyui\""), std::string::npos);
    EXPECT_EQ(g.node(17)->note, "img2img: denoise 0.6 keeps the composition of fox_photo.png");
    EXPECT_FALSE(g.node(17)->placeholderJson.empty());
    EXPECT_EQ(report.unknownTypes, std::vector<std::string>{"Seed (rgthree)"});
    EXPECT_EQ(report.warnings, std::vector<std::string>{"1 node of unknown type was kept as a placeholder: Seed (rgthree)"});

    // Links: reroute collapsed, converted widget linked by name, primitive's link dropped.
    EXPECT_EQ(g.links().size(), 14u);
    const Link* vaeEnc = link(g, 11, "vae");
    ASSERT_NE(vaeEnc, nullptr);
    EXPECT_EQ(vaeEnc->fromNode, 4);
    EXPECT_EQ(vaeEnc->fromSlot, 2);
    EXPECT_EQ(vaeEnc->type, "VAE");
    EXPECT_EQ(vaeEnc->id, 13);
    EXPECT_EQ(vaeEnc->reroutes, (std::vector<Point>{{657.5, 653}}));  // Reroute #12's middle
    EXPECT_TRUE(link(g, 3, "model")->reroutes.empty());
    ASSERT_NE(link(g, 8, "vae"), nullptr);
    EXPECT_EQ(link(g, 8, "vae")->fromNode, 4);
    const Link* seed = link(g, 3, "seed");
    ASSERT_NE(seed, nullptr);
    EXPECT_EQ(seed->fromNode, 13);
    EXPECT_EQ(seed->type, "INT");
    EXPECT_EQ(link(g, 3, "steps"), nullptr);
    EXPECT_EQ(g.node(3)->widgetInputs, std::set<std::string>{"seed"});  // the converted widget
    ASSERT_NE(link(g, 3, "latent_image"), nullptr);
    EXPECT_EQ(link(g, 3, "latent_image")->fromNode, 11);
    EXPECT_EQ(link(g, 3, "negative")->fromNode, 7);
    EXPECT_EQ(link(g, 11, "pixels")->fromNode, 16);
    EXPECT_EQ(link(g, 16, "image")->fromNode, 10);
    EXPECT_EQ(link(g, 6, "clip")->fromSlot, 1);

    ASSERT_EQ(g.groups().size(), 1u);
    EXPECT_EQ(g.groups()[0].title, "Prompt");
    EXPECT_EQ(g.groups()[0].x, 400);
    EXPECT_EQ(g.groups()[0].width, 460);
    EXPECT_EQ(g.groups()[0].color, "#3f789e");
}

TEST_F(ComfyFixture, RerouteChainsBecomeOneLinkThroughTheirPoints) {
    const QByteArray workflow = R"({"version": 0.4, "nodes": [
        {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "widgets_values": ["a.safetensors"]},
        {"id": 2, "type": "Reroute", "pos": [300, 100], "size": [75, 26]},
        {"id": 3, "type": "Reroute", "pos": [500, 300], "size": [75, 26]},
        {"id": 4, "type": "VAEDecode", "pos": [700, 0], "inputs": [
            {"name": "samples", "type": "LATENT", "link": null}, {"name": "vae", "type": "VAE", "link": 3}]}],
      "links": [[1, 1, 2, 2, 0, "VAE"], [2, 2, 0, 3, 0, "*"], [3, 3, 0, 4, 1, "*"]]})";
    LoadReport report;
    const Graph g = importGraph(workflow, reg, report);
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    EXPECT_EQ(g.nodes().size(), 2u);
    ASSERT_EQ(g.links().size(), 1u);
    const Link* vae = link(g, 4, "vae");
    ASSERT_NE(vae, nullptr);
    EXPECT_EQ(vae->id, 3);
    EXPECT_EQ(vae->fromNode, 1);
    EXPECT_EQ(vae->fromSlot, 2);
    EXPECT_EQ(vae->type, "VAE");
    // In order from the output: the first Reroute's middle, then the second's.
    EXPECT_EQ(vae->reroutes, (std::vector<Point>{{337.5, 113}, {537.5, 313}}));
}

TEST_F(ComfyFixture, ImportedWorkflowSurvivesTesseraSaveAndLoad) {
    LoadReport report;
    const Graph g = importGraph(readFixture("comfyui_img2img_workflow.json"), reg, report);
    LoadReport again;
    const Graph back = graphFromJson(graphToJson(g), &reg, &again);
    EXPECT_EQ(graphToJson(back), graphToJson(g));
    EXPECT_EQ(again.unknownTypes, std::vector<std::string>{"Seed (rgthree)"});
    EXPECT_EQ(back.node(17)->note, g.node(17)->note);
    EXPECT_EQ(back.node(3)->widgetInputs, std::set<std::string>{"seed"});
}

TEST_F(ComfyFixture, ImportsApiPrompt) {
    LoadReport report;
    const Graph g = importGraph(readFixture("comfyui_img2img_prompt.json"), reg, report);
    EXPECT_EQ(g.nodes().size(), 9u);
    EXPECT_EQ(report.warnings, std::vector<std::string>{"1 node of unknown type was kept as a placeholder: Seed (rgthree)"});
    const Node& ks = *g.node(3);
    EXPECT_EQ(ks.widgets.at("cfg"), Value(8.0));
    EXPECT_EQ(ks.widgets.at("steps"), Value(25));
    EXPECT_EQ(ks.widgets.at("seed"), Value(int64_t(0)));  // linked; the widget keeps its default
    EXPECT_EQ(link(g, 3, "seed")->fromNode, 13);
    EXPECT_EQ(ks.widgetInputs, std::set<std::string>{"seed"});  // a linked widget is shown as an input
    EXPECT_EQ(link(g, 3, "model")->type, "MODEL");
    EXPECT_EQ(link(g, 11, "pixels")->fromNode, 10);
    EXPECT_EQ(link(g, 6, "clip")->fromSlot, 1);
    EXPECT_EQ(g.links().size(), 12u);
    EXPECT_EQ(g.node(6)->title, "Positive Prompt");
    EXPECT_EQ(g.node(7)->title, "");
    EXPECT_EQ(g.node(13)->widgets.at("seed"), Value(-1));
    // Laid out in columns: sources left of what they feed.
    EXPECT_LT(g.node(4)->pos.x, g.node(6)->pos.x);
    EXPECT_LT(g.node(3)->pos.x, g.node(8)->pos.x);
}

TEST_F(ComfyFixture, ApiIdsBecomeIntegersAndOddIdsGetFreshOnes) {
    LoadReport report;
    const Graph g = importGraph(R"({"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 640.0, "height": 512, "batch_size": 1}},
        "12:3": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["99", 2]}},
        "x": {"class_type": "SaveImage", "inputs": {"images": ["12:3", 0], "filename_prefix": "a", "bogus": 3}}})",
                                reg, report);
    EXPECT_EQ(g.node(5)->widgets.at("width"), Value(640));
    EXPECT_EQ(g.node(6)->type, "VAEDecode");
    EXPECT_EQ(g.node(7)->type, "SaveImage");
    EXPECT_EQ(link(g, 7, "images")->fromNode, 6);
    ASSERT_EQ(report.warnings.size(), 2u);
    EXPECT_EQ(report.warnings[0], "SaveImage #7: input 'bogus' is not a widget of SaveImage; its value was dropped");
    EXPECT_NE(report.warnings[1].find("linked to node \"99\", which is not in the prompt"), std::string::npos);
}

TEST_F(ComfyFixture, ExportsTheSamePromptComfyUIWould) {
    LoadReport report;
    const Json want = parseJson(readFixture("comfyui_img2img_prompt.json").toStdString());
    for (const char* fixture : {"comfyui_img2img_workflow.json", "comfyui_img2img_prompt.json"}) {
        SCOPED_TRACE(fixture);
        const Graph g = importGraph(readFixture(fixture), reg, report);
        const Json got = parseJson(graphToComfyPrompt(g, reg).toStdString());
        std::vector<std::string> keys;
        for (const auto& [k, v] : got.object()) keys.push_back(k);
        // Muted #15, bypassed #16 and the note #17 are left out, as ComfyUI does.
        EXPECT_EQ(keys, (std::vector<std::string>{"3", "4", "6", "7", "8", "9", "10", "11", "13"}));
        for (const auto& [k, node] : want.object()) {
            const Json* mine = got.find(k);
            ASSERT_NE(mine, nullptr) << k;
            EXPECT_EQ(mine->find("class_type")->toString(), node.find("class_type")->toString());
            EXPECT_EQ(mine->find("_meta")->find("title")->toString(), node.find("_meta")->find("title")->toString());
            if (k == "13" && std::string(fixture).find("workflow") != std::string::npos) continue;  // values unknown
            expectSameInputs(*node.find("inputs"), *mine->find("inputs"), k);
        }
    }
    // Through the bypassed node: VAEEncode reads LoadImage directly.
    const Graph g = importGraph(readFixture("comfyui_img2img_workflow.json"), reg, report);
    const Json got = parseJson(graphToComfyPrompt(g, reg).toStdString());
    EXPECT_EQ(writeJson(*got.find("11")->find("inputs")->find("pixels")), R"(["10",0])");
}

TEST_F(ComfyFixture, UnknownTypesAreListedOnce) {
    const char* wf = R"({"last_node_id": 3, "last_link_id": 1, "version": 0.4, "links": [[1, 1, 0, 3, 0, "FOO"]],
        "nodes": [{"id": 1, "type": "FooNode", "pos": [0, 0], "widgets_values": [1, 2], "outputs": [{"name": "x", "type": "FOO", "links": [1]}]},
                  {"id": 2, "type": "BarNode", "pos": [0, 0]},
                  {"id": 3, "type": "FooNode", "pos": [5, 5], "inputs": [{"name": "in", "type": "FOO", "link": 1}]}]})";
    LoadReport report;
    const Graph g = importGraph(wf, reg, report);
    EXPECT_EQ(report.unknownTypes, (std::vector<std::string>{"FooNode", "BarNode"}));
    EXPECT_EQ(report.warnings,
              std::vector<std::string>{"3 nodes of unknown types were kept as placeholders: FooNode (2), BarNode"});
    ASSERT_NE(link(g, 3, "in"), nullptr);  // links between placeholders are kept, by input name
    EXPECT_EQ(link(g, 3, "in")->type, "FOO");
}

TEST_F(ComfyFixture, ShortWidgetListsAndOldWidgetsGetDefaults) {
    const char* wf = R"({"version": 0.4, "links": [], "nodes": [
        {"id": 1, "type": "KSampler", "widgets_values": [42, "fixed", 30]},
        {"id": 2, "type": "EmptyLatentImage", "widgets_values": {"width": 768, "height": 512}},
        {"id": 3, "type": "KSampler", "widgets_values": [7, 20, "oops", "euler", "normal", 1]}]})";
    LoadReport report;
    const Graph g = importGraph(wf, reg, report);
    EXPECT_EQ(g.node(1)->widgets.at("seed"), Value(42));
    EXPECT_EQ(g.node(1)->controlAfterGenerate.at("seed"), "fixed");
    EXPECT_EQ(g.node(1)->widgets.at("steps"), Value(30));
    EXPECT_EQ(g.node(1)->widgets.at("cfg"), Value(8.0));  // default
    EXPECT_EQ(g.node(2)->widgets.at("width"), Value(768));
    EXPECT_EQ(g.node(2)->widgets.at("batch_size"), Value(1));
    // No control value after the seed here: positions still line up.
    EXPECT_EQ(g.node(3)->widgets.at("steps"), Value(20));
    EXPECT_TRUE(g.node(3)->controlAfterGenerate.empty());
    EXPECT_EQ(g.node(3)->widgets.at("cfg"), Value(8.0));
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_EQ(report.warnings[0], "KSampler #3: widget 'cfg': expected a number, found \"oops\"; using the default 8");
}

TEST_F(ComfyFixture, MalformedFilesAreRefusedClearly) {
    LoadReport r;
    expectError([&] { importGraph("<html>", reg, r); }, {"not valid JSON"});
    expectError([&] { importGraph("[1,2,3]", reg, r); }, {"not a graph Tessera can read"});
    expectError([&] { importGraph(R"({"nodes": [{"type": "KSampler"}], "links": []})", reg, r); },
                {"ComfyUI workflow", "node 1 in \"nodes\" has no valid \"id\""});
    expectError([&] { importGraph(R"({"nodes": [{"id": 1, "type": "KSampler"}], "links": [[1, 2]]})", reg, r); },
                {"ComfyUI workflow", "link 1 should be [id, from node, from slot, to node, to slot, type]"});
    expectError([&] { importGraph(R"({"nodes": [{"id": 1, "type": "A"}, {"id": 1, "type": "B"}]})", reg, r); },
                {"B #1 has the same id"});
    expectError([&] { importGraph(R"({"format": "tessera-graph", "version": 9, "nodes": []})", reg, r); },
                {"newer Tessera (format 9)"});
    expectError([&] { importGraph(R"({"1": {"class_type": 5}})", reg, r); }, {"not a graph Tessera can read"});
}

// Found by fuzz_comfyui_import (corpus/comfyui_import/primitive-into-link-input.json): a link from a
// PrimitiveNode into a link-type input must not become a widget value (it did not survive a save).
TEST_F(ComfyFixture, APrimitiveNodeLinkedIntoALinkInputIsDroppedWithAWarning) {
    const char* wf = R"({"version": 0.4, "nodes": [
        {"id": 1, "type": "KSampler", "inputs": [{"name": "positive", "type": "CONDITIONING", "link": 5}],
         "widgets_values": [42, "fixed", 30, 8, "euler", "normal", 1]},
        {"id": 2, "type": "PrimitiveNode", "outputs": [{"name": "INT", "type": "INT", "links": [5]}],
         "widgets_values": [25, "fixed"]}],
        "links": [[5, 2, 0, 1, 0, "INT"]]})";
    LoadReport report;
    const Graph g = importGraph(wf, reg, report);
    EXPECT_EQ(g.node(1)->widgets.count("positive"), 0u);
    EXPECT_EQ(g.linkInto(1, "positive"), nullptr);
    EXPECT_EQ(g.node(1)->widgets.at("steps"), Value(30));
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_EQ(report.warnings[0], "link 5 brings a PrimitiveNode's value to input 'positive' of KSampler #1, which takes a "
                                  "CONDITIONING link, not a value; it was dropped");
    LoadReport again;
    EXPECT_EQ(graphToJson(graphFromJson(graphToJson(g), &reg, &again)), graphToJson(g));
}
