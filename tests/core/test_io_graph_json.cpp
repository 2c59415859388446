#include "core/graph/validation.h"
#include "core/io/graph_json.h"

#include "io_test_support.h"

using namespace tessera;
using tessera::test::expectError;

namespace {

void expectSameGraph(const Graph& a, const Graph& b) {
    ASSERT_EQ(a.nodes().size(), b.nodes().size());
    for (const auto& [id, n] : a.nodes()) {
        const Node* m = b.node(id);
        ASSERT_NE(m, nullptr) << id;
        EXPECT_EQ(n.type, m->type);
        EXPECT_EQ(n.title, m->title);
        EXPECT_EQ(n.pos.x, m->pos.x);
        EXPECT_EQ(n.pos.y, m->pos.y);
        EXPECT_EQ(n.size.x, m->size.x);
        EXPECT_EQ(n.size.y, m->size.y);
        EXPECT_EQ(n.collapsed, m->collapsed);
        EXPECT_EQ(n.bypassed, m->bypassed);
        EXPECT_EQ(n.muted, m->muted);
        EXPECT_EQ(n.note, m->note);
        EXPECT_EQ(n.controlAfterGenerate, m->controlAfterGenerate);
        EXPECT_EQ(n.widgetInputs, m->widgetInputs);
        EXPECT_TRUE(n.widgets == m->widgets) << "widgets of node " << id;  // Value== tells int from float
        EXPECT_EQ(n.placeholderJson.empty(), m->placeholderJson.empty());
    }
    ASSERT_EQ(a.links().size(), b.links().size());
    for (const auto& [id, l] : a.links()) {
        ASSERT_TRUE(b.links().count(id)) << id;
        const Link& k = b.links().at(id);
        EXPECT_EQ(l.fromNode, k.fromNode);
        EXPECT_EQ(l.fromSlot, k.fromSlot);
        EXPECT_EQ(l.toNode, k.toNode);
        EXPECT_EQ(l.toInput, k.toInput);
        EXPECT_EQ(l.type, k.type);
        EXPECT_EQ(l.reroutes, k.reroutes) << "reroutes of link " << id;
    }
    ASSERT_EQ(a.groups().size(), b.groups().size());
    for (size_t i = 0; i < a.groups().size(); ++i) {
        EXPECT_EQ(a.groups()[i].title, b.groups()[i].title);
        EXPECT_EQ(a.groups()[i].x, b.groups()[i].x);
        EXPECT_EQ(a.groups()[i].height, b.groups()[i].height);
        EXPECT_EQ(a.groups()[i].color, b.groups()[i].color);
    }
    EXPECT_EQ(a.properties(), b.properties());
}

Graph sampleGraph() {
    Graph g;
    Node& ckpt = g.addNode("CheckpointLoaderSimple", 4);
    ckpt.widgets["ckpt_name"] = Value("v1-5.safetensors");
    ckpt.pos = {26.5, -474.25};
    ckpt.size = {315, 98};
    Node& ks = g.addNode("KSampler", 3);
    ks.widgets = {{"seed", Value(int64_t(156680208700286))}, {"steps", Value(20)}, {"cfg", Value(8.0)},
                  {"sampler_name", Value("euler")}, {"scheduler", Value("karras")}, {"denoise", Value(0.1 + 0.2)}};
    ks.controlAfterGenerate["seed"] = "increment";
    ks.widgetInputs = {"steps", "seed"};
    ks.title = "Main sampler \"quoted\" \xC3\xA9";
    ks.collapsed = true;
    ks.note = "line one\nline two";
    Node& save = g.addNode("SaveImage", 9);
    save.muted = true;
    save.widgets["filename_prefix"] = Value("out/x");
    Node& inv = g.addNode("ImageInvert", 16);
    inv.bypassed = true;
    Node& flags = g.addNode("EmptyLatentImage", 5);
    flags.widgets = {{"width", Value(512)}, {"height", Value(768)}, {"batch_size", Value(1)}};
    g.connect(4, 0, 3, "model", "MODEL");
    g.connect(5, 0, 3, "latent_image", "LATENT");
    g.removeLink(1);  // ids need not be contiguous
    g.connect(4, 0, 3, "model", "MODEL");
    g.connect(3, 0, 9, "images", "IMAGE").reroutes = {{700.5, -20}, {820, 40.25}};
    g.groups().push_back({"Prompt \xE2\x9C\x93", 400, 110.5, 460, 480, "#3f789e"});
    g.properties()["name"] = "fox";
    g.properties()["description"] = "img2img";
    return g;
}

}  // namespace

TEST(IoGraphJson, RoundTripKeepsEveryField) {
    const Graph g = sampleGraph();
    const QByteArray json = graphToJson(g);
    const Graph back = graphFromJson(json);
    expectSameGraph(g, back);
    EXPECT_TRUE(back.node(3)->widgets.at("cfg").isFloat());
    EXPECT_TRUE(back.node(3)->widgets.at("steps").isInt());
    EXPECT_EQ(back.node(3)->widgets.at("denoise").toFloat(), 0.1 + 0.2);
    EXPECT_EQ(back.links().count(1), 0u);
    EXPECT_TRUE(json.contains("\"cfg\": 8.0"));
    EXPECT_TRUE(json.contains("\"format\": \"tessera-graph\""));
    EXPECT_EQ(graphToJson(back), json);  // stable: saving again changes nothing
}

TEST(IoGraphJson, ReroutePointsAreKeptInOrderAndOldFilesHaveNone) {
    const QByteArray json = graphToJson(sampleGraph());
    EXPECT_TRUE(json.contains("\"reroutes\"")) << json.toStdString();
    const Graph back = graphFromJson(json);
    const Link* images = back.linkInto(9, "images");
    ASSERT_NE(images, nullptr);
    EXPECT_EQ(images->reroutes, (std::vector<Point>{{700.5, -20}, {820, 40.25}}));
    EXPECT_TRUE(back.linkInto(3, "model")->reroutes.empty());
    // Files from before reroutes: links without the key load with none.
    const Graph old = graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [
        {"id": 1, "type": "A"}, {"id": 2, "type": "B"}],
        "links": [{"id": 1, "from": [1, 0], "to": [2, "x"], "type": "T"}]})");
    ASSERT_NE(old.linkInto(2, "x"), nullptr);
    EXPECT_TRUE(old.linkInto(2, "x")->reroutes.empty());
    expectError([] { graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [
        {"id": 1, "type": "A"}, {"id": 2, "type": "B"}],
        "links": [{"id": 4, "from": [1, 0], "to": [2, "x"], "reroutes": [[1, 2], [3]]}]})"); },
                {"link 4", "each of \"reroutes\" should be two numbers [x, y]"});
}

TEST(IoGraphJson, WidgetsTurnedIntoInputsAreKept) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    const Graph g = sampleGraph();
    const QByteArray json = graphToJson(g);
    EXPECT_TRUE(json.contains("\"widget_inputs\"")) << json.toStdString();
    const Graph back = graphFromJson(json, &reg);
    EXPECT_EQ(back.node(3)->widgetInputs, (std::set<std::string>{"seed", "steps"}));
    EXPECT_TRUE(back.node(4)->widgetInputs.empty());
    // With the declarations: names that are not widgets are dropped, and a link into a widget
    // that the file does not list (older files) shows it as an input.
    const QByteArray older = R"({"format": "tessera-graph", "version": 1, "nodes": [
        {"id": 3, "type": "KSampler", "widget_inputs": ["model", "cfg"]}, {"id": 5, "type": "EmptyLatentImage"}],
        "links": [{"id": 1, "from": [5, 0], "to": [3, "steps"], "type": "INT"}]})";
    const Graph marked = graphFromJson(older, &reg);
    EXPECT_EQ(marked.node(3)->widgetInputs, (std::set<std::string>{"cfg", "steps"}));
    expectError([] { graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": 1, "type": "X", "widget_inputs": [3]}]})"); },
                {"X #1", "\"widget_inputs\" should list input names"});
}

TEST(IoGraphJson, PlaceholdersAreWrittenBackVerbatim) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    const std::string custom =
        R"({"id": 12, "type": "FancyUpscaler", "pos": [10, 20], "widgets": {"scale": 2.0, "mode": "lanczos"},)"
        R"( "extra_state": {"nested": [1, 2.5, "x"], "flag": true}, "version_tag": "v3"})";
    const QByteArray file = QByteArray(R"({"format": "tessera-graph", "version": 1, "nodes": [)") +
                            QByteArray::fromStdString(custom) +
                            R"(, {"id": 3, "type": "KSampler", "widgets": {"cfg": 7, "seed": 5.0}}], "links": [)"
                            R"({"id": 1, "from": [12, 0], "to": [3, "latent_image"], "type": "LATENT"}]})";
    LoadReport report;
    const Graph g = graphFromJson(file, &reg, &report);
    const Node* p = g.node(12);
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(p->placeholderJson.empty());
    EXPECT_EQ(p->widgets.at("mode").toString(), "lanczos");
    ASSERT_EQ(report.unknownTypes, std::vector<std::string>{"FancyUpscaler"});
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_EQ(report.warnings[0], "1 node of unknown type was kept as a placeholder: FancyUpscaler");
    // Declared widgets are adjusted to their types and missing ones get defaults.
    EXPECT_TRUE(g.node(3)->widgets.at("cfg").isFloat());
    EXPECT_TRUE(g.node(3)->widgets.at("seed").isInt());
    EXPECT_EQ(g.node(3)->widgets.at("sampler_name").toString(), "euler");

    const Json saved = parseJson(graphToJson(g).toStdString());
    EXPECT_EQ(saved.find("nodes")->array()[1], parseJson(custom));  // nodes are written in id order
    // Moving the placeholder is kept; the rest stays as the file had it.
    Graph moved = g;
    moved.node(12)->pos = {99, 98};
    const Json again = parseJson(graphToJson(moved).toStdString()).find("nodes")->array()[1];
    EXPECT_EQ(again.find("pos")->array()[0].toDouble(), 99.0);
    EXPECT_EQ(*again.find("extra_state"), *parseJson(custom).find("extra_state"));
}

TEST(IoGraphJson, ErrorsNameTheProblemAndPlace) {
    expectError([] { graphFromJson("this is not json"); }, {"graph file is not valid JSON", "line 1, column 1"});
    expectError([] { graphFromJson(R"({"format": "krita", "version": 1, "nodes": []})"); },
                {"not a Tessera graph", "'krita'"});
    expectError([] { graphFromJson(R"({"nodes": []})"); }, {"\"format\" is missing"});
    expectError([] { graphFromJson(R"({"format": "tessera-graph", "version": 3, "nodes": []})"); },
                {"was saved by a newer Tessera (format 3); this build reads up to 1"});
    expectError([] { graphFromJson(R"({"format": "tessera-graph", "version": 1})"); }, {"missing \"nodes\""});
    expectError([] { graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"type": "KSampler"}]})"); },
                {"node 1 in \"nodes\"", "missing \"id\""});
    expectError([] { graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": "7", "type": "X"}]})"); },
                {"\"id\" should be an integer, not string"});
    expectError(
        [] {
            graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": 7, "type": "KSampler", "pos": [1]}]})");
        },
        {"KSampler #7", "\"pos\" should be two numbers"});
    expectError(
        [] {
            graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": 7, "type": "KSampler", "widgets": {"seed": [1, 2]}}]})");
        },
        {"KSampler #7: widget 'seed'", "array"});
    expectError(
        [] {
            graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": 7, "type": "A"}, {"id": 7, "type": "B"}]})");
        },
        {"B #7", "same id"});
    expectError(
        [] {
            graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": 1, "type": "A"}],
                 "links": [{"id": 5, "from": [12, 0], "to": [1, "x"]}]})");
        },
        {"link 5", "comes from node 12, which is not in the file"});
    expectError(
        [] {
            graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [{"id": 1, "type": "A"}],
                 "links": [{"id": 5, "from": [1, 0], "to": [1, 3]}]})");
        },
        {"link 5", "\"to\" should be [node id, \"input name\"]"});
}

TEST(IoGraphJson, NonFiniteNumbersNeverReachTheFile) {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    LoadReport report;
    const Graph g = graphFromJson(R"({"format": "tessera-graph", "version": 1, "nodes": [
        {"id": 1, "type": "KSampler", "pos": [1e999, -Infinity], "widgets": {"cfg": NaN, "denoise": 1e999}}],
        "groups": [{"title": "g", "bounding": [0, 0, Infinity, 5]}]})",
                                  &reg, &report);
    EXPECT_EQ(g.node(1)->pos.x, 0.0);
    EXPECT_EQ(g.node(1)->pos.y, 0.0);
    EXPECT_EQ(g.node(1)->widgets.at("cfg"), Value(8.0));      // default
    EXPECT_EQ(g.node(1)->widgets.at("denoise"), Value(1.0));  // default
    EXPECT_EQ(g.groups()[0].width, 0.0);
    const QByteArray saved = graphToJson(g);
    EXPECT_EQ(graphToJson(graphFromJson(saved, &reg)), saved);
}

TEST(IoGraphJson, APluginsNodeRemembersItsPluginAndAMissingPluginIsNamed) {
    Registry withPlugin;
    tessera::test::registerComfyNodes(withPlugin);
    NodeDecl sharpen;
    sharpen.type = "UnsharpMask";
    sharpen.origin = "image-adjust";
    sharpen.inputs = {{"image", "IMAGE"}};
    sharpen.outputs = {{"IMAGE", "IMAGE"}};
    sharpen.run = [](NodeContext&) { return std::vector<Value>{}; };
    withPlugin.add(sharpen);

    const QByteArray file = R"({"format": "tessera-graph", "version": 1, "nodes": [)"
                            R"({"id": 1, "type": "UnsharpMask"}, {"id": 2, "type": "KSampler"}], "links": []})";
    const Graph loaded = graphFromJson(file, &withPlugin);
    EXPECT_EQ(loaded.node(1)->plugin, "image-adjust");
    EXPECT_EQ(loaded.node(2)->plugin, "");  // built in: nothing to remember
    const QByteArray saved = graphToJson(loaded);
    EXPECT_EQ(parseJson(saved.toStdString()).find("nodes")->array()[0].find("plugin")->toString(), "image-adjust");

    Registry builtinOnly;
    tessera::test::registerComfyNodes(builtinOnly);
    LoadReport report;
    const Graph elsewhere = graphFromJson(saved, &builtinOnly, &report);
    EXPECT_FALSE(elsewhere.node(1)->placeholderJson.empty());
    EXPECT_EQ(report.warnings, std::vector<std::string>{
                                   "1 node of unknown type was kept as a placeholder: UnsharpMask (plugin image-adjust)"});
    const auto issues = validateGraph(elsewhere, builtinOnly);
    ASSERT_FALSE(issues.empty());
    EXPECT_NE(issues[0].message.find("comes from the plugin 'image-adjust', which is not installed"), std::string::npos)
        << issues[0].message;
}
