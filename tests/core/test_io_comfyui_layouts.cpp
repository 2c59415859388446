// The ComfyUI frontend's workflow layouts over the years: early boolean seed controls, PrimitiveNodes,
// schema 1 link objects, native reroutes, subgraphs and group nodes.
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "core/io/json.h"

#include "io_test_support.h"

using namespace tessera;
using tessera::test::expectError;

namespace {

struct LayoutFixture : ::testing::Test {
    LayoutFixture() { tessera::test::registerComfyNodes(reg); }
    Graph load(const char* json) {
        report = {};
        return importGraph(QByteArray(json), reg, report);
    }
    const Node* ofType(const Graph& g, const std::string& type, int nth = 0) {
        for (const auto& [id, n] : g.nodes())
            if (n.type == type && nth-- == 0) return &n;
        return nullptr;
    }
    Registry reg;
    LoadReport report;
};

}  // namespace

TEST_F(LayoutFixture, EarlyBooleanSeedControlIsSkipped) {
    // ComfyUI_examples' area composition workflow (2023): the seed is followed by a "randomize" toggle.
    const Graph g = load(R"({"version": 0.4, "links": [], "nodes": [
        {"id": 1, "type": "KSampler", "widgets_values": [823155751257884, true, 13, 8.5, "euler", "normal", 1]},
        {"id": 2, "type": "KSampler", "widgets_values": [5, false, 14, 7, "dpmpp_2m", "simple", 0.5]}]})");
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    const Node& a = *g.node(1);
    EXPECT_EQ(a.widgets.at("seed"), Value(int64_t(823155751257884)));
    EXPECT_EQ(a.controlAfterGenerate.at("seed"), "randomize");
    EXPECT_EQ(a.widgets.at("steps"), Value(13));
    EXPECT_EQ(a.widgets.at("cfg"), Value(8.5));
    EXPECT_EQ(a.widgets.at("sampler_name"), Value("euler"));
    EXPECT_EQ(a.widgets.at("scheduler"), Value("normal"));
    EXPECT_EQ(a.widgets.at("denoise"), Value(1.0));
    EXPECT_EQ(g.node(2)->controlAfterGenerate.at("seed"), "fixed");
    EXPECT_EQ(g.node(2)->widgets.at("scheduler"), Value("simple"));
    EXPECT_EQ(g.node(2)->widgets.at("denoise"), Value(0.5));
}

TEST_F(LayoutFixture, PrimitiveNodeValueFlowsIntoTheWidgetItFeeds) {
    // The target's own copy (20) is stale; the frontend queues the primitive's value (30), through a Reroute too.
    const Graph g = load(R"({"version": 0.4, "nodes": [
        {"id": 1, "type": "KSampler", "widgets_values": [1, "fixed", 20, 8, "euler", "normal", 1],
         "inputs": [{"name": "steps", "type": "INT", "link": 1, "widget": {"name": "steps"}},
                    {"name": "seed", "type": "INT", "link": 3, "widget": {"name": "seed"}}]},
        {"id": 2, "type": "PrimitiveNode", "widgets_values": [30, "fixed"], "outputs": [{"name": "INT", "type": "INT", "links": [1]}]},
        {"id": 3, "type": "PrimitiveNode", "widgets_values": [777, "increment"]},
        {"id": 4, "type": "Reroute", "pos": [0, 0], "size": [75, 26]}],
      "links": [[1, 2, 0, 1, 0, "INT"], [2, 3, 0, 4, 0, "INT"], [3, 4, 0, 1, 1, "*"]]})");
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_EQ(g.nodes().size(), 1u);
    EXPECT_TRUE(g.links().empty());
    const Node& ks = *g.node(1);
    EXPECT_EQ(ks.widgets.at("steps"), Value(30));
    EXPECT_EQ(ks.widgets.at("seed"), Value(777));
    EXPECT_EQ(ks.controlAfterGenerate.at("seed"), "increment");
    EXPECT_TRUE(ks.widgetInputs.empty());  // the value sits in the widget, nothing left to connect
}

TEST_F(LayoutFixture, NativeReroutesOfSchema04BecomeWaypoints) {
    const Graph g = load(R"({"version": 0.4, "nodes": [
        {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["a.safetensors"]},
        {"id": 2, "type": "VAEDecode", "inputs": [{"name": "samples", "type": "LATENT", "link": null},
                                                  {"name": "vae", "type": "VAE", "link": 5}]}],
      "links": [[5, 1, 2, 2, 1, "VAE"]],
      "extra": {"reroutes": [{"id": 1, "pos": [100, 50], "linkIds": [5]},
                             {"id": 2, "parentId": 1, "pos": [300, 80], "linkIds": [5]}],
                "linkExtensions": [{"id": 5, "parentId": 2}]}})");
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    const Link* vae = g.linkInto(2, "vae");
    ASSERT_NE(vae, nullptr);
    EXPECT_EQ(vae->id, 5);
    EXPECT_EQ(vae->fromNode, 1);
    EXPECT_EQ(vae->fromSlot, 2);
    EXPECT_EQ(vae->reroutes, (std::vector<Point>{{100, 50}, {300, 80}}));  // from the output to the input
}

TEST_F(LayoutFixture, SchemaOneWithLinkObjectsStateAndReroutes) {
    const Graph g = load(R"({"version": 1, "state": {"lastNodeId": 9, "lastLinkId": 4, "lastGroupId": 0, "lastRerouteId": 1},
      "nodes": [
        {"id": 7, "type": "EmptyLatentImage", "mode": 0, "widgets_values": [640, 384, 2]},
        {"id": 9, "type": "VAEDecode", "mode": 4, "inputs": [{"name": "samples", "type": "LATENT", "link": 4},
                                                            {"name": "vae", "type": "VAE", "link": null}]},
        {"id": 8, "type": "SaveImage", "mode": 2, "widgets_values": ["x"]}],
      "links": [{"id": 4, "origin_id": 7, "origin_slot": 0, "target_id": 9, "target_slot": 0, "type": "LATENT", "parentId": 1}],
      "reroutes": [{"id": 1, "pos": [10, 20], "linkIds": [4]}]})");
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    EXPECT_EQ(g.node(7)->widgets.at("batch_size"), Value(2));
    EXPECT_TRUE(g.node(9)->bypassed);
    EXPECT_TRUE(g.node(8)->muted);
    ASSERT_NE(g.linkInto(9, "samples"), nullptr);
    EXPECT_EQ(g.linkInto(9, "samples")->reroutes, (std::vector<Point>{{10, 20}}));
}

namespace {

// A subgraph "Sampler" (model, positive, negative -> LATENT) holding an EmptyLatentImage and a KSampler,
// with a pass-through output (its second output is its first input); used by a bypassed-nothing instance #5.
const char* kSubgraphWorkflow = R"({"version": 0.4, "last_node_id": 6, "last_link_id": 6,
  "nodes": [
    {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, 0], "widgets_values": ["m.safetensors"]},
    {"id": 2, "type": "CLIPTextEncode", "widgets_values": ["a fox"], "inputs": [{"name": "clip", "type": "CLIP", "link": 1}]},
    {"id": 5, "type": "0b5e0bd6-1c1d-4f2e-9d4a-2f3a1e6c7d8e", "pos": [500, 100], "mode": 0,
     "inputs": [{"name": "model", "type": "MODEL", "link": 2}, {"name": "positive", "type": "CONDITIONING", "link": 3},
                {"name": "negative", "type": "CONDITIONING", "link": 4}],
     "outputs": [{"name": "LATENT", "type": "LATENT", "links": [5]}, {"name": "model", "type": "MODEL", "links": [6]}]},
    {"id": 6, "type": "VAEDecode", "inputs": [{"name": "samples", "type": "LATENT", "link": 5}, {"name": "vae", "type": "VAE", "link": null}]},
    {"id": 3, "type": "ImageInvert", "inputs": [{"name": "image", "type": "IMAGE", "link": null}]}],
  "links": [[1, 1, 1, 2, 0, "CLIP"], [2, 1, 0, 5, 0, "MODEL"], [3, 2, 0, 5, 1, "CONDITIONING"], [4, 2, 0, 5, 2, "CONDITIONING"],
            [5, 5, 0, 6, 0, "LATENT"], [6, 5, 1, 3, 0, "MODEL"]],
  "definitions": {"subgraphs": [{
    "id": "0b5e0bd6-1c1d-4f2e-9d4a-2f3a1e6c7d8e", "version": 1, "revision": 0, "name": "Sampler",
    "state": {"lastNodeId": 2, "lastLinkId": 14, "lastGroupId": 0, "lastRerouteId": 0},
    "inputNode": {"id": -10, "bounding": [0, 0, 120, 80]}, "outputNode": {"id": -20, "bounding": [900, 0, 120, 60]},
    "inputs": [{"id": "a", "name": "model", "type": "MODEL", "linkIds": [10, 14]}, {"id": "b", "name": "positive", "type": "CONDITIONING", "linkIds": [11]},
               {"id": "c", "name": "negative", "type": "CONDITIONING", "linkIds": [12]}],
    "outputs": [{"id": "d", "name": "LATENT", "type": "LATENT", "linkIds": [13]}, {"id": "e", "name": "model", "type": "MODEL", "linkIds": [14]}],
    "widgets": [],
    "nodes": [
      {"id": 1, "type": "EmptyLatentImage", "pos": [200, 300], "mode": 0, "widgets_values": [768, 512, 1]},
      {"id": 2, "type": "KSampler", "pos": [400, 100], "mode": 0, "widgets_values": [42, "fixed", 12, 6.5, "euler", "karras", 1],
       "inputs": [{"name": "model", "type": "MODEL", "link": 10}, {"name": "positive", "type": "CONDITIONING", "link": 11},
                  {"name": "negative", "type": "CONDITIONING", "link": 12}, {"name": "latent_image", "type": "LATENT", "link": 9}]}],
    "links": [{"id": 9, "origin_id": 1, "origin_slot": 0, "target_id": 2, "target_slot": 3, "type": "LATENT"},
              {"id": 10, "origin_id": -10, "origin_slot": 0, "target_id": 2, "target_slot": 0, "type": "MODEL"},
              {"id": 11, "origin_id": -10, "origin_slot": 1, "target_id": 2, "target_slot": 1, "type": "CONDITIONING"},
              {"id": 12, "origin_id": -10, "origin_slot": 2, "target_id": 2, "target_slot": 2, "type": "CONDITIONING"},
              {"id": 13, "origin_id": 2, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "LATENT"},
              {"id": 14, "origin_id": -10, "origin_slot": 0, "target_id": -20, "target_slot": 1, "type": "MODEL"}]}]}})";

}  // namespace

TEST_F(LayoutFixture, SubgraphsAreFlattenedForExecution) {
    const Graph g = load(kSubgraphWorkflow);
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    EXPECT_TRUE(report.unknownTypes.empty());
    EXPECT_EQ(g.node(5), nullptr);  // the instance is replaced by its inner nodes
    const Node* ks = ofType(g, "KSampler");
    const Node* empty = ofType(g, "EmptyLatentImage");
    ASSERT_TRUE(ks && empty);
    EXPECT_GT(ks->id, 6);  // fresh ids above the workflow's own
    EXPECT_GT(empty->id, 6);
    EXPECT_EQ(ks->widgets.at("steps"), Value(12));
    EXPECT_EQ(ks->widgets.at("cfg"), Value(6.5));
    EXPECT_EQ(ks->controlAfterGenerate.at("seed"), "fixed");
    EXPECT_EQ(empty->widgets.at("width"), Value(768));
    // Outside links reach the inner nodes and back out.
    ASSERT_NE(g.linkInto(ks->id, "model"), nullptr);
    EXPECT_EQ(g.linkInto(ks->id, "model")->fromNode, 1);
    EXPECT_EQ(g.linkInto(ks->id, "model")->fromSlot, 0);
    EXPECT_EQ(g.linkInto(ks->id, "positive")->fromNode, 2);
    EXPECT_EQ(g.linkInto(ks->id, "negative")->fromNode, 2);
    EXPECT_EQ(g.linkInto(ks->id, "latent_image")->fromNode, empty->id);
    ASSERT_NE(g.linkInto(6, "samples"), nullptr);
    EXPECT_EQ(g.linkInto(6, "samples")->fromNode, ks->id);
    EXPECT_EQ(g.linkInto(6, "samples")->type, "LATENT");
    // The pass-through output: the instance's second output is its first input.
    ASSERT_NE(g.linkInto(3, "image"), nullptr);
    EXPECT_EQ(g.linkInto(3, "image")->fromNode, 1);
    EXPECT_EQ(g.nodes().size(), 6u);
    EXPECT_EQ(g.links().size(), 7u);
    // Inner nodes start at the instance's place on the canvas.
    EXPECT_EQ(ks->pos.x, 700);
    EXPECT_EQ(empty->pos.y, 300);
}

TEST_F(LayoutFixture, BypassedOrMutedSubgraphPassesItsModeToItsNodes) {
    std::string wf = kSubgraphWorkflow;
    const std::string normal = R"("pos": [500, 100], "mode": 0)";
    wf.replace(wf.find(normal), normal.size(), R"("pos": [500, 100], "mode": 4)");
    const Graph g = load(wf.c_str());
    EXPECT_TRUE(ofType(g, "KSampler")->bypassed);
    EXPECT_TRUE(ofType(g, "EmptyLatentImage")->bypassed);
    EXPECT_FALSE(g.node(6)->bypassed);
}

TEST_F(LayoutFixture, SubgraphThatContainsItselfIsRefused) {
    std::string wf = kSubgraphWorkflow;
    const std::string inner = R"({"id": 1, "type": "EmptyLatentImage")";
    wf.replace(wf.find(inner), inner.size(), R"({"id": 1, "type": "0b5e0bd6-1c1d-4f2e-9d4a-2f3a1e6c7d8e")");
    LoadReport r;
    expectError([&] { importGraph(QByteArray::fromStdString(wf), reg, r); }, {"subgraph", "contains itself"});
}

// A fuzzer-made subgraph whose inner link comes from boundary input slot 7 of 1: the KSampler's model is
// left unconnected, and the import says which link it dropped (it used to drop it without a word).
TEST_F(LayoutFixture, ALinkToASlotTheSubgraphLacksIsDroppedWithAWarning) {
    QFile f(QString::fromStdString(tessera::test::sourceDir() + "/tests/fuzz/corpus/comfyui_import/subgraph-dangling-slot.json"));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    LoadReport r;
    const Graph g = importGraph(f.readAll(), reg, r);
    const auto warned = std::find_if(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
        return w == "link 10 inside 'sub-a' comes from the subgraph's input slot 7, which it does not have (it has 1); the link was dropped";
    });
    EXPECT_NE(warned, r.warnings.end()) << ::testing::PrintToString(r.warnings);
    int samplers = 0;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "KSampler") {
            ++samplers;
            EXPECT_FALSE(g.linkInto(id, "model"));
        }
    EXPECT_EQ(samplers, 1);
}

namespace {

// A group node "Gen" made of EmptyLatentImage + KSampler (frontend 1.2 layout); the instance's
// widget values list both nodes' widgets in order, the seed's control included.
const char* kGroupNodeWorkflow = R"({"version": 0.4, "last_node_id": 4, "last_link_id": 4,
    "nodes": [
      {"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["m.safetensors"]},
      {"id": 2, "type": "CLIPTextEncode", "widgets_values": ["a fox"], "inputs": [{"name": "clip", "type": "CLIP", "link": 1}]},
      {"id": 3, "type": "workflow>Gen", "pos": [400, 0],
       "inputs": [{"name": "model", "type": "MODEL", "link": 2}, {"name": "positive", "type": "CONDITIONING", "link": 3},
                  {"name": "negative", "type": "CONDITIONING", "link": 4}],
       "outputs": [{"name": "LATENT", "type": "LATENT", "links": [5]}],
       "widgets_values": [1024, 768, 2, 99, "increment", 33, 4.5, "heun", "simple", 0.75]},
      {"id": 4, "type": "VAEDecode", "inputs": [{"name": "samples", "type": "LATENT", "link": 5}, {"name": "vae", "type": "VAE", "link": null}]}],
    "links": [[1, 1, 1, 2, 0, "CLIP"], [2, 1, 0, 3, 0, "MODEL"], [3, 2, 0, 3, 1, "CONDITIONING"], [4, 2, 0, 3, 2, "CONDITIONING"],
              [5, 3, 0, 4, 0, "LATENT"]],
    "extra": {"groupNodes": {"Gen": {
      "nodes": [
        {"type": "EmptyLatentImage", "pos": [100, 100], "outputs": [{"name": "LATENT", "type": "LATENT", "links": []}],
         "widgets_values": [512, 512, 1], "index": 0},
        {"type": "KSampler", "pos": [300, 100],
         "inputs": [{"name": "model", "type": "MODEL", "link": null}, {"name": "positive", "type": "CONDITIONING", "link": null},
                    {"name": "negative", "type": "CONDITIONING", "link": null}, {"name": "latent_image", "type": "LATENT", "link": null}],
         "outputs": [{"name": "LATENT", "type": "LATENT", "links": []}],
         "widgets_values": [1, "fixed", 20, 8, "euler", "normal", 1], "index": 1}],
      "links": [[0, 0, 1, 3, 7, "LATENT"]], "external": [], "config": {}}}}})";

}  // namespace

TEST_F(LayoutFixture, GroupNodesAreExpandedWithTheirWidgetValues) {
    const Graph g = load(kGroupNodeWorkflow);
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    EXPECT_EQ(g.node(3), nullptr);
    const Node* empty = ofType(g, "EmptyLatentImage");
    const Node* ks = ofType(g, "KSampler");
    ASSERT_TRUE(empty && ks);
    EXPECT_EQ(empty->widgets.at("width"), Value(1024));
    EXPECT_EQ(empty->widgets.at("height"), Value(768));
    EXPECT_EQ(empty->widgets.at("batch_size"), Value(2));
    EXPECT_EQ(ks->widgets.at("seed"), Value(99));
    EXPECT_EQ(ks->controlAfterGenerate.at("seed"), "increment");
    EXPECT_EQ(ks->widgets.at("steps"), Value(33));
    EXPECT_EQ(ks->widgets.at("cfg"), Value(4.5));
    EXPECT_EQ(ks->widgets.at("sampler_name"), Value("heun"));
    EXPECT_EQ(ks->widgets.at("scheduler"), Value("simple"));
    EXPECT_EQ(ks->widgets.at("denoise"), Value(0.75));
    EXPECT_EQ(g.linkInto(ks->id, "model")->fromNode, 1);
    EXPECT_EQ(g.linkInto(ks->id, "positive")->fromNode, 2);
    EXPECT_EQ(g.linkInto(ks->id, "negative")->fromNode, 2);
    EXPECT_EQ(g.linkInto(ks->id, "latent_image")->fromNode, empty->id);
    EXPECT_EQ(g.linkInto(4, "samples")->fromNode, ks->id);
    EXPECT_EQ(g.links().size(), 6u);
}

TEST_F(LayoutFixture, NotesAreKeptWithoutDeclarationsToo) {
    const Graph g = load(R"({"version": 0.4, "links": [], "nodes": [
        {"id": 1, "type": "MarkdownNote", "widgets_values": ["# Read me"]}]})");
    EXPECT_TRUE(report.unknownTypes.empty());
    EXPECT_EQ(g.node(1)->note, "# Read me");
}

// PrimitiveNodes exactly as two frontend generations save them: 2023 (converted widgets carry their
// "config", link slots count only the listed inputs) and the current one (every widget is listed
// as an input with "widget" and "link": null, the PrimitiveNode's output names its widget).
TEST_F(LayoutFixture, PrimitiveNodesInBothSavedLayoutsFillTheirTargetWidgets) {
    const Graph old = load(R"({"last_node_id": 11, "last_link_id": 11, "version": 0.4, "nodes": [
        {"id": 3, "type": "KSampler", "pos": [863, 186], "size": {"0": 315, "1": 262}, "flags": {}, "order": 2, "mode": 0,
         "inputs": [{"name": "model", "type": "MODEL", "link": null},
                    {"name": "positive", "type": "CONDITIONING", "link": null},
                    {"name": "negative", "type": "CONDITIONING", "link": null},
                    {"name": "latent_image", "type": "LATENT", "link": null},
                    {"name": "seed", "type": "INT", "link": 10,
                     "widget": {"name": "seed", "config": ["INT", {"default": 0, "min": 0, "max": 18446744073709551615}]},
                     "slot_index": 4},
                    {"name": "cfg", "type": "FLOAT", "link": 11,
                     "widget": {"name": "cfg", "config": ["FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0}]},
                     "slot_index": 5}],
         "outputs": [{"name": "LATENT", "type": "LATENT", "links": [], "slot_index": 0}],
         "properties": {"Node name for S&R": "KSampler"},
         "widgets_values": [156680208700286, "randomize", 20, 8, "euler", "normal", 1]},
        {"id": 10, "type": "PrimitiveNode", "pos": [400, 500], "size": {"0": 210, "1": 82}, "flags": {}, "order": 0,
         "mode": 0, "outputs": [{"name": "INT", "type": "INT", "links": [10], "slot_index": 0,
                                 "widget": {"name": "seed", "config": ["INT", {"default": 0, "min": 0}]}}],
         "title": "seed", "properties": {"Run widget replace on values": false}, "widgets_values": [42, "fixed"]},
        {"id": 11, "type": "PrimitiveNode", "pos": [400, 620], "size": {"0": 210, "1": 82}, "flags": {}, "order": 1,
         "mode": 0, "outputs": [{"name": "FLOAT", "type": "FLOAT", "links": [11], "slot_index": 0,
                                 "widget": {"name": "cfg", "config": ["FLOAT", {"default": 8.0}]}}],
         "properties": {"Run widget replace on values": false}, "widgets_values": [6.5]}],
      "links": [[10, 10, 0, 3, 4, "INT"], [11, 11, 0, 3, 5, "FLOAT"]], "groups": [], "config": {}, "extra": {}})");
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_EQ(old.nodes().size(), 1u);
    EXPECT_EQ(old.node(3)->widgets.at("seed"), Value(42));
    EXPECT_EQ(old.node(3)->controlAfterGenerate.at("seed"), "fixed");
    EXPECT_EQ(old.node(3)->widgets.at("cfg"), Value(6.5));
    EXPECT_EQ(old.node(3)->widgets.at("steps"), Value(20));

    const Graph current = load(R"({"id": "9f0c9d1e-3b7a-4a53-9a43-1f1d2c5e7b10", "revision": 0, "last_node_id": 12,
      "last_link_id": 13, "nodes": [
        {"id": 3, "type": "KSampler", "pos": [863, 186], "size": [315, 262], "flags": {}, "order": 2, "mode": 0,
         "inputs": [{"name": "model", "type": "MODEL", "link": null},
                    {"name": "positive", "type": "CONDITIONING", "link": null},
                    {"name": "negative", "type": "CONDITIONING", "link": null},
                    {"name": "latent_image", "type": "LATENT", "link": null},
                    {"name": "seed", "type": "INT", "widget": {"name": "seed"}, "link": 12},
                    {"name": "steps", "type": "INT", "widget": {"name": "steps"}, "link": null},
                    {"name": "cfg", "type": "FLOAT", "widget": {"name": "cfg"}, "link": null},
                    {"name": "sampler_name", "type": "COMBO", "widget": {"name": "sampler_name"}, "link": 13},
                    {"name": "scheduler", "type": "COMBO", "widget": {"name": "scheduler"}, "link": null},
                    {"name": "denoise", "type": "FLOAT", "widget": {"name": "denoise"}, "link": null}],
         "outputs": [{"name": "LATENT", "type": "LATENT", "links": []}],
         "properties": {"cnr_id": "comfy-core", "ver": "0.3.44", "Node name for S&R": "KSampler"},
         "widgets_values": [156680208700286, "randomize", 20, 8, "euler", "normal", 1]},
        {"id": 12, "type": "PrimitiveNode", "pos": [400, 500], "size": [270, 82], "flags": {}, "order": 0, "mode": 0,
         "inputs": [], "outputs": [{"name": "INT", "type": "INT", "widget": {"name": "seed"}, "links": [12]}],
         "title": "seed", "properties": {"Run widget replace on values": false}, "widgets_values": [777, "increment"]},
        {"id": 11, "type": "PrimitiveNode", "pos": [400, 620], "size": [270, 106], "flags": {}, "order": 1, "mode": 0,
         "inputs": [], "outputs": [{"name": "COMBO", "type": "COMBO", "widget": {"name": "sampler_name"}, "links": [13]}],
         "properties": {"Run widget replace on values": false}, "widgets_values": ["dpmpp_2m", "fixed", ""]}],
      "links": [[12, 12, 0, 3, 4, "INT"], [13, 11, 0, 3, 7, "COMBO"]], "groups": [], "config": {},
      "extra": {"ds": {"scale": 1, "offset": [0, 0]}, "frontendVersion": "1.23.4"}, "version": 0.4})");
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_EQ(current.nodes().size(), 1u);
    EXPECT_TRUE(current.links().empty());
    const Node& ks = *current.node(3);
    EXPECT_EQ(ks.widgets.at("seed"), Value(777));
    EXPECT_EQ(ks.controlAfterGenerate.at("seed"), "increment");
    EXPECT_EQ(ks.widgets.at("sampler_name"), Value("dpmpp_2m"));
    EXPECT_EQ(ks.widgets.at("scheduler"), Value("normal"));
    EXPECT_TRUE(ks.widgetInputs.empty());
}

namespace {

struct SavedWorkflow {
    Json root;
    const Json* node(int64_t id) const {
        for (const Json& n : root.find("nodes")->array())
            if (n.find("id")->toInt() == id) return &n;
        return nullptr;
    }
    // [id, from, from slot, to, to slot] of the link into input slot `slot` of node `to`.
    std::vector<int64_t> linkInto(int64_t to, int64_t slot) const {
        for (const Json& l : root.find("links")->array())
            if (l.array()[3].toInt() == to && l.array()[4].toInt() == slot)
                return {l.array()[0].toInt(), l.array()[1].toInt(), l.array()[2].toInt(), to, slot};
        return {};
    }
    bool hasNodeOfType(const std::string& type) const {
        for (const Json& n : root.find("nodes")->array())
            if (n.find("type")->toString() == type) return true;
        return false;
    }
};

SavedWorkflow saved(const Graph& g, const Registry& reg, std::vector<std::string>* notes = nullptr) {
    return {parseJson(graphToComfyWorkflow(g, reg, notes).toStdString(), "saved workflow")};
}

const char* kSamplerSubgraphId = "0b5e0bd6-1c1d-4f2e-9d4a-2f3a1e6c7d8e";

}  // namespace

TEST_F(LayoutFixture, SavingKeepsAnUneditedSubgraphInstanceAndItsDefinition) {
    const Graph g = load(kSubgraphWorkflow);
    std::vector<std::string> notes;
    const SavedWorkflow out = saved(g, reg, &notes);
    EXPECT_TRUE(notes.empty()) << notes.front();
    const Json* subgraphs = out.root.find("definitions") ? out.root.find("definitions")->find("subgraphs") : nullptr;
    ASSERT_NE(subgraphs, nullptr);
    ASSERT_EQ(subgraphs->array().size(), 1u);
    EXPECT_EQ(subgraphs->array()[0].find("id")->toString(), kSamplerSubgraphId);
    EXPECT_EQ(subgraphs->array()[0].find("nodes")->array().size(), 2u);
    ASSERT_NE(out.node(5), nullptr);
    EXPECT_EQ(out.node(5)->find("type")->toString(), kSamplerSubgraphId);
    EXPECT_FALSE(out.hasNodeOfType("KSampler"));
    EXPECT_FALSE(out.hasNodeOfType("EmptyLatentImage"));
    // The instance's slots are linked as in the file read, under the same link ids.
    EXPECT_EQ(out.linkInto(5, 0), (std::vector<int64_t>{2, 1, 0, 5, 0}));
    EXPECT_EQ(out.linkInto(5, 1), (std::vector<int64_t>{3, 2, 0, 5, 1}));
    EXPECT_EQ(out.linkInto(5, 2), (std::vector<int64_t>{4, 2, 0, 5, 2}));
    EXPECT_EQ(out.linkInto(6, 0), (std::vector<int64_t>{5, 5, 0, 6, 0}));
    EXPECT_EQ(out.node(5)->find("inputs")->array()[1].find("link")->toInt(), 3);
    EXPECT_EQ(out.node(5)->find("outputs")->array()[0].find("links")->array(), Json::Array{Json(5)});

    LoadReport again;
    const Graph reread = importGraph(graphToComfyWorkflow(g, reg), reg, again);
    EXPECT_TRUE(again.warnings.empty()) << again.warnings.front();
    EXPECT_EQ(graphToJson(reread).toStdString(), graphToJson(g).toStdString());
}

TEST_F(LayoutFixture, SavingKeepsAnInstanceWhoseInputIsFedFromElsewhere) {
    Graph g = load(kSubgraphWorkflow);
    const Node* ks = ofType(g, "KSampler");
    Node& other = g.addNode("CLIPTextEncode");
    g.connect(1, 1, other.id, "clip");
    g.connect(other.id, 0, ks->id, "positive");  // where the instance's "positive" input led
    const SavedWorkflow out = saved(g, reg);
    ASSERT_NE(out.node(5), nullptr);
    const std::vector<int64_t> positive = out.linkInto(5, 1);
    ASSERT_EQ(positive.size(), 5u);
    EXPECT_EQ(positive[1], other.id);
    EXPECT_EQ(positive[0], g.nextLinkId());  // a fresh id: no link of the graph or the file has it
    LoadReport again;
    const Graph reread = importGraph(graphToComfyWorkflow(g, reg), reg, again);
    EXPECT_EQ(reread.linkInto(ofType(reread, "KSampler")->id, "positive")->fromNode, other.id);
}

TEST_F(LayoutFixture, SavingFlattensASubgraphEditedInsideAndSaysSo) {
    Graph g = load(kSubgraphWorkflow);
    g.node(ofType(g, "KSampler")->id)->widgets["steps"] = Value(30);
    std::vector<std::string> notes;
    const SavedWorkflow out = saved(g, reg, &notes);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0], "subgraph 'Sampler' (#5) was edited inside since it was opened: saved as its nodes");
    EXPECT_EQ(out.root.find("definitions"), nullptr);
    EXPECT_EQ(out.node(5), nullptr);
    EXPECT_TRUE(out.hasNodeOfType("KSampler"));
    LoadReport again;
    const Graph reread = importGraph(graphToComfyWorkflow(g, reg), reg, again);
    EXPECT_EQ(ofType(reread, "KSampler")->widgets.at("steps"), Value(30));

    // A link from outside straight to an inner input no instance input led to: flattened too.
    Graph linked = load(kSubgraphWorkflow);
    linked.connect(ofType(linked, "EmptyLatentImage")->id, 0, 3, "image");
    notes.clear();
    EXPECT_EQ(saved(linked, reg, &notes).node(5), nullptr);
    EXPECT_EQ(notes.size(), 1u);
}

TEST_F(LayoutFixture, SavingKeepsAGroupNodeInstanceAndItsDefinition) {
    const Graph g = load(kGroupNodeWorkflow);
    const SavedWorkflow out = saved(g, reg);
    ASSERT_NE(out.node(3), nullptr);
    EXPECT_EQ(out.node(3)->find("type")->toString(), "workflow>Gen");
    EXPECT_EQ(out.node(3)->find("widgets_values")->array().size(), 10u);
    const Json* groupNodes = out.root.find("extra")->find("groupNodes");
    ASSERT_NE(groupNodes, nullptr);
    ASSERT_NE(groupNodes->find("Gen"), nullptr);
    EXPECT_FALSE(out.hasNodeOfType("KSampler"));
    EXPECT_EQ(out.linkInto(3, 0), (std::vector<int64_t>{2, 1, 0, 3, 0}));
    EXPECT_EQ(out.linkInto(4, 0), (std::vector<int64_t>{5, 3, 0, 4, 0}));
    LoadReport again;
    const Graph reread = importGraph(graphToComfyWorkflow(g, reg), reg, again);
    EXPECT_TRUE(again.warnings.empty()) << again.warnings.front();
    EXPECT_EQ(graphToJson(reread).toStdString(), graphToJson(g).toStdString());
}

TEST_F(LayoutFixture, SavingIgnoresAMalformedInstanceRecord) {
    // The record travels in graph.json files, so it may come back hand-edited or truncated.
    Graph g = load(kSubgraphWorkflow);
    for (const char* broken : {"{", R"({"instances": [{"id": 5}]})", R"({"instances": [{"id": 5, "node": {}, "inner": [[1]],
        "links": [], "inputs": [{"link": 2}], "outputs": [7]}]})", R"({"instances": 3, "subgraphs": 1})"}) {
        g.properties()["comfyui_instances"] = broken;
        const SavedWorkflow out = saved(g, reg);
        EXPECT_EQ(out.node(5), nullptr) << broken;
        EXPECT_TRUE(out.hasNodeOfType("KSampler")) << broken;
        EXPECT_EQ(out.root.find("definitions"), nullptr) << broken;
    }
}
