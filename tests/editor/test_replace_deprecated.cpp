// "Replace with ...": a node of a type ComfyUI deprecated swapped for the Tessera node that succeeds it.
#include "app/editor/graph_document.h"

#include "editor_test_support.h"

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

// The text-to-image graph with an old "Apply ControlNet" between the positive prompt and the sampler.
struct OldControlNet : TextToImage {
    qint64 loader, image, apply;
    explicit OldControlNet(GraphDocument& doc) : TextToImage(doc) {
        loader = doc.addNode("ControlNetLoader", 0, 600);
        image = doc.addNode("LoadImage", 0, 800);
        apply = doc.addNode("ControlNetApply", 450, 0);
        link(doc, pos, 0, apply, "conditioning");
        link(doc, loader, 0, apply, "control_net");
        link(doc, image, 0, apply, "image");
        link(doc, apply, 0, sampler, "positive");
        EXPECT_TRUE(doc.setWidgetValue(apply, "strength", 0.65));
        doc.setTitle(apply, "Pose guide");
    }
};

}  // namespace

TEST(ReplaceDeprecated, ControlNetApplyOffersTheAdvancedNode) {
    GraphDocument doc(builtinRegistry());
    OldControlNet g(doc);
    EXPECT_EQ(str(doc.successorName(g.apply)), "Apply ControlNet");
    EXPECT_EQ(str(doc.successorName(g.sampler)), "");
    EXPECT_EQ(str(doc.successorName(12345)), "");
}

TEST(ReplaceDeprecated, ControlNetApplyBecomesTheAdvancedNodeKeepingLinksAndValues) {
    GraphDocument doc(builtinRegistry());
    OldControlNet g(doc);
    const Graph before = doc.graph();
    const qint64 id = doc.replaceWithSuccessor(g.apply);
    ASSERT_GT(id, 0) << str(doc.lastError());
    EXPECT_EQ(doc.graph().node(g.apply), nullptr);
    const Node& n = *doc.graph().node(id);
    EXPECT_EQ(n.type, "ControlNetApplyAdvanced");
    EXPECT_EQ(n.title, "Pose guide");
    EXPECT_EQ(n.pos, before.node(g.apply)->pos);
    EXPECT_EQ(n.widgets.at("strength"), Value(0.65));
    EXPECT_EQ(n.widgets.at("start_percent"), Value(0.0));  // the whole schedule, as before
    EXPECT_EQ(n.widgets.at("end_percent"), Value(1.0));
    const Graph& after = doc.graph();
    EXPECT_EQ(after.linkInto(id, "positive")->fromNode, g.pos);
    EXPECT_EQ(after.linkInto(id, "control_net")->fromNode, g.loader);
    EXPECT_EQ(after.linkInto(id, "image")->fromNode, g.image);
    EXPECT_EQ(after.linkInto(g.sampler, "positive")->fromNode, id);
    EXPECT_EQ(after.linkInto(g.sampler, "positive")->fromSlot, 0);
    // The old node guided the negative side too: the sampler's negative now goes through the new node.
    EXPECT_EQ(after.linkInto(id, "negative")->fromNode, g.neg);
    EXPECT_EQ(after.linkInto(g.sampler, "negative")->fromNode, id);
    EXPECT_EQ(after.linkInto(g.sampler, "negative")->fromSlot, 1);
    EXPECT_EQ(str(doc.undoText()), "Replace ControlNetApply with Apply ControlNet");

    doc.undo();  // one step restores everything, ids included
    ASSERT_NE(doc.graph().node(g.apply), nullptr);
    EXPECT_EQ(doc.graph().node(g.apply)->type, "ControlNetApply");
    EXPECT_EQ(doc.graph().node(id), nullptr);
    EXPECT_EQ(doc.graph().links().size(), before.links().size());
    for (const auto& [lid, l] : before.links()) {
        const Link* now = doc.graph().linkInto(l.toNode, l.toInput);
        ASSERT_NE(now, nullptr);
        EXPECT_EQ(now->id, lid);
        EXPECT_EQ(now->fromNode, l.fromNode);
    }
    doc.redo();
    EXPECT_EQ(doc.graph().node(id)->type, "ControlNetApplyAdvanced");
}

TEST(ReplaceDeprecated, SamplersWithDifferentNegativesLeaveTheNegativeToTheUser) {
    GraphDocument doc(builtinRegistry());
    OldControlNet g(doc);
    const qint64 second = doc.addNode("KSampler", 600, 400);
    const qint64 otherNeg = doc.addNode("CLIPTextEncode", 300, 600);
    TextToImage::link(doc, g.apply, 0, second, "positive");
    TextToImage::link(doc, otherNeg, 0, second, "negative");
    const qint64 id = doc.replaceWithSuccessor(g.apply);
    ASSERT_GT(id, 0);
    EXPECT_EQ(doc.graph().linkInto(id, "negative"), nullptr);
    EXPECT_EQ(doc.graph().linkInto(g.sampler, "negative")->fromNode, g.neg);
    EXPECT_EQ(doc.graph().linkInto(second, "negative")->fromNode, otherNeg);
    EXPECT_EQ(doc.graph().linkInto(second, "positive")->fromNode, id);
}

TEST(ReplaceDeprecated, NodeWithoutSuccessorIsRefused) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    EXPECT_EQ(doc.replaceWithSuccessor(g.sampler), -1);
    EXPECT_NE(str(doc.lastError()).find("has no successor"), std::string::npos);
    EXPECT_EQ(doc.replaceWithSuccessor(999), -1);
}
