// A ComfyUI node of a type Tessera lacks keeps what the editor needs to draw it: widget values,
// named when the workflow lists its widget inputs, its ports and its outputs.
#include "core/io/comfyui_import.h"
#include "core/io/comfyui_placeholder.h"
#include "io_test_support.h"

#include <gtest/gtest.h>

using namespace tessera;

namespace {

Graph importWorkflow(const std::string& nodesJson, const std::string& linksJson = "[]") {
    Registry reg;
    tessera::test::registerComfyNodes(reg);
    LoadReport report;
    const std::string text = R"({"last_node_id": 9, "last_link_id": 9, "nodes": )" + nodesJson + R"(, "links": )" +
                             linksJson + R"(, "version": 0.4})";
    return importGraph(QByteArray::fromStdString(text), reg, report);
}

}  // namespace

TEST(ComfyPlaceholder, WidgetsNamedByTheWorkflowsWidgetInputs) {
    // As frontends since 1.16 save: every widget is also listed as an input with "widget".
    const Graph g = importWorkflow(R"([{"id": 3, "type": "FancyUpscaler", "pos": [0, 0], "size": [200, 100],
        "inputs": [{"name": "image", "type": "IMAGE", "link": null},
                   {"name": "scale", "type": "FLOAT", "widget": {"name": "scale"}, "link": null},
                   {"name": "method", "type": "COMBO", "widget": {"name": "method"}, "link": null}],
        "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": []}, {"name": "info", "type": ["A", "B"], "links": []}],
        "widgets_values": [2.5, "lanczos"]}])");
    const ComfyPlaceholderLayout p = readComfyPlaceholder(*g.node(3));
    ASSERT_TRUE(p.fromComfyUI);
    ASSERT_EQ(p.widgets.size(), 2u);
    EXPECT_EQ(p.widgets[0].first, "scale");
    EXPECT_EQ(p.widgets[0].second, Value(2.5));
    EXPECT_EQ(p.widgets[1].first, "method");
    EXPECT_EQ(p.widgets[1].second, Value("lanczos"));
    ASSERT_EQ(p.inputs.size(), 1u);
    EXPECT_EQ(p.inputs[0].name, "image");
    EXPECT_EQ(p.inputs[0].type, "IMAGE");
    ASSERT_EQ(p.outputs.size(), 2u);
    EXPECT_EQ(p.outputs[1].name, "info");
    EXPECT_EQ(p.outputs[1].type, R"(["A","B"])");
}

TEST(ComfyPlaceholder, OlderWorkflowsGetNumberedWidgetsAndListsAsText) {
    const Graph g = importWorkflow(R"([{"id": 4, "type": "OldCustomNode", "pos": [0, 0], "size": [200, 100],
        "inputs": [], "outputs": [], "widgets_values": [7, true, [1, 2]]}])");
    const ComfyPlaceholderLayout p = readComfyPlaceholder(*g.node(4));
    ASSERT_EQ(p.widgets.size(), 3u);
    EXPECT_EQ(p.widgets[0], (std::pair<std::string, Value>("widget 1", Value(int64_t(7)))));
    EXPECT_EQ(p.widgets[1].second, Value(true));
    EXPECT_EQ(p.widgets[2].second, Value("[1,2]"));
}

TEST(ComfyPlaceholder, AConvertedWidgetFedByALinkIsAPort) {
    const Graph g = importWorkflow(R"([{"id": 5, "type": "PrimitiveInt", "pos": [0, 0], "size": [100, 50],
        "outputs": [{"name": "INT", "type": "INT", "links": [1]}], "widgets_values": [3]},
        {"id": 6, "type": "FancyUpscaler", "pos": [300, 0], "size": [200, 100],
        "inputs": [{"name": "scale", "type": "INT", "widget": {"name": "scale"}, "link": 1}],
        "outputs": [], "widgets_values": [3]}])",
                                   R"([[1, 5, 0, 6, 0, "INT"]])");
    const ComfyPlaceholderLayout p = readComfyPlaceholder(*g.node(6));
    ASSERT_EQ(p.inputs.size(), 1u);
    EXPECT_EQ(p.inputs[0].name, "scale");
    ASSERT_EQ(p.widgets.size(), 1u);
    EXPECT_EQ(p.widgets[0].first, "scale");  // the value the workflow kept for it
}

TEST(ComfyPlaceholder, NodesNotFromComfyUIHaveNoLayout) {
    Graph g;
    Node& n = g.addNode("Whatever");
    EXPECT_FALSE(readComfyPlaceholder(n).fromComfyUI);
    n.placeholderJson = "{not json";
    EXPECT_FALSE(readComfyPlaceholder(n).fromComfyUI);
}
