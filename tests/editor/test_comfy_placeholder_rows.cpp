// A ComfyUI node of a type Tessera lacks opens as a placeholder that shows what its workflow kept:
// its widget values (read-only) and its outputs by name, with the linked ports as for any placeholder.
#include "app/editor/node_list_model.h"
#include "tests/editor/editor_test_support.h"
#include "tests/support/refdata.h"

#include <QFile>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

TEST(ComfyPlaceholderRows, UnknownNodeShowsItsWorkflowWidgetsAndOutputs) {
    const QString path = QString::fromStdString(tessera::test::makeTempDir("placeholder-rows") + "/workflow.json");
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(R"({"last_node_id": 2, "last_link_id": 1, "version": 0.4, "links": [[1, 1, 0, 2, 0, "IMAGE"]], "nodes": [
      {"id": 1, "type": "FancyUpscaler", "pos": [0, 0], "size": [200, 100], "flags": {}, "order": 0, "mode": 0,
       "inputs": [{"name": "image", "type": "IMAGE", "link": null}],
       "outputs": [{"name": "upscaled", "type": "IMAGE", "links": [1]}, {"name": "scale", "type": "FLOAT", "links": []}],
       "properties": {}, "widgets_values": [2.5, "lanczos"]},
      {"id": 2, "type": "PreviewImage", "pos": [300, 0], "size": [200, 100], "flags": {}, "order": 1, "mode": 0,
       "inputs": [{"name": "images", "type": "IMAGE", "link": 1}], "properties": {}}]})");
    f.close();
    GraphDocument doc(editorRegistry());
    NodeListModel model(&doc);
    ASSERT_TRUE(doc.open(path));
    int row = -1;
    for (int r = 0; r < model.rowCount(); ++r)
        if (model.get(r)["nodeId"].toLongLong() == 1) row = r;
    ASSERT_GE(row, 0);
    const QVariantMap node = model.get(row);
    EXPECT_TRUE(node["unknownType"].toBool());
    const QVariantList inputs = node["inputs"].toList();
    ASSERT_EQ(inputs.size(), 2);
    EXPECT_EQ(inputs[0].toMap()["name"], "widget 1");
    EXPECT_EQ(inputs[0].toMap()["value"].toDouble(), 2.5);
    EXPECT_EQ(inputs[0].toMap()["readOnly"], true);
    EXPECT_EQ(inputs[1].toMap()["value"], "lanczos");
    const QVariantList outputs = node["outputs"].toList();
    ASSERT_EQ(outputs.size(), 2);
    EXPECT_EQ(outputs[0].toMap()["name"], "upscaled");
    EXPECT_EQ(outputs[1].toMap()["name"], "scale");
    EXPECT_EQ(outputs[1].toMap()["type"], "FLOAT");
}
