#include "app/editor/graph_document.h"

#include "core/graph/validation.h"
#include "editor_test_support.h"

#include <QSignalSpy>
#include <QUndoStack>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

TEST(GraphDocument, AddNodeGivesDeclaredDefaultsAndRandomizedSeed) {
    GraphDocument doc(builtinRegistry());
    const qint64 id = doc.addNode("KSampler", 10, 20);
    ASSERT_GT(id, 0);
    const Node* n = doc.graph().node(id);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->pos.x, 10);
    EXPECT_EQ(n->pos.y, 20);
    EXPECT_EQ(n->widgets.at("steps"), Value(int64_t(20)));
    EXPECT_EQ(n->widgets.at("cfg"), Value(8.0));
    EXPECT_TRUE(n->widgets.at("sampler_name").isString());
    EXPECT_FALSE(n->widgets.at("sampler_name").toString().empty());  // a COMBO's first choice
    EXPECT_EQ(n->controlAfterGenerate.at("seed"), "randomize");
    EXPECT_TRUE(doc.modified());
    EXPECT_EQ(str(doc.undoText()), "Add KSampler");
}

TEST(GraphDocument, AddNodeOfUnknownTypeIsRefused) {
    GraphDocument doc(builtinRegistry());
    EXPECT_EQ(doc.addNode("NoSuchNode", 0, 0), -1);
    EXPECT_EQ(str(doc.lastError()), "unknown node type 'NoSuchNode'");
    EXPECT_TRUE(doc.graph().nodes().empty());
    EXPECT_FALSE(doc.canUndo());
}

TEST(GraphDocument, AddNodeFillsFileComboFromTheChoiceLister) {
    GraphDocument doc(builtinRegistry());
    doc.setChoiceLister([](const QString& kind) {
        return kind == "checkpoints" ? QStringList{"a.safetensors", "b.safetensors"} : QStringList{};
    });
    const qint64 id = doc.addNode("CheckpointLoaderSimple", 0, 0);
    EXPECT_EQ(doc.graph().node(id)->widgets.at("ckpt_name"), Value("a.safetensors"));
}

TEST(GraphDocument, RemoveAndUndoRestoresIdsLinksAndSignals) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    const size_t links = doc.graph().links().size();
    ASSERT_EQ(links, 9u);
    const auto linksBefore = doc.graph().links();

    QSignalSpy removed(&doc, &GraphDocument::nodeRemoved), added(&doc, &GraphDocument::nodeAdded);
    doc.removeNodes(ids({g.sampler, g.ckpt}));
    EXPECT_EQ(doc.graph().nodes().size(), 5u);
    EXPECT_EQ(doc.graph().links().size(), 1u);  // only decode -> save stays
    EXPECT_EQ(removed.count(), 2);

    doc.undo();
    EXPECT_EQ(added.count(), 2);
    ASSERT_EQ(doc.graph().nodes().size(), 7u);
    EXPECT_EQ(doc.graph().node(g.sampler)->type, "KSampler");
    EXPECT_EQ(doc.graph().node(g.ckpt)->type, "CheckpointLoaderSimple");
    ASSERT_EQ(doc.graph().links().size(), links);
    for (const auto& [id, l] : linksBefore) {
        ASSERT_TRUE(doc.graph().links().count(id)) << id;
        const Link& k = doc.graph().links().at(id);
        EXPECT_EQ(k.fromNode, l.fromNode);
        EXPECT_EQ(k.fromSlot, l.fromSlot);
        EXPECT_EQ(k.toNode, l.toNode);
        EXPECT_EQ(k.toInput, l.toInput);
        EXPECT_EQ(k.type, l.type);
    }
    doc.redo();
    EXPECT_EQ(doc.graph().nodes().size(), 5u);
    EXPECT_EQ(doc.graph().node(g.sampler), nullptr);
}

TEST(GraphDocument, MovesOfOneDragMergeIntoOneUndoStep) {
    GraphDocument doc(builtinRegistry());
    const qint64 a = doc.addNode("VAEDecode", 100, 100);
    const qint64 b = doc.addNode("VAEDecode", 300, 100);
    const int steps = doc.undoStack()->count();
    doc.moveNodes(ids({a, b}), 5, 0);
    doc.moveNodes(ids({a, b}), 5, 10);
    doc.moveNodes(ids({a, b}), 0.5, 0);
    EXPECT_EQ(doc.undoStack()->count(), steps + 1);
    EXPECT_EQ(doc.graph().node(a)->pos.x, 110.5);
    EXPECT_EQ(doc.graph().node(b)->pos.y, 110);
    doc.finishMove();
    doc.moveNodes(ids({a, b}), 1, 1);  // a new drag
    EXPECT_EQ(doc.undoStack()->count(), steps + 2);
    doc.moveNodes(ids({a}), 1, 1);  // another node set does not merge either
    EXPECT_EQ(doc.undoStack()->count(), steps + 3);
    doc.undo();
    doc.undo();
    EXPECT_EQ(doc.graph().node(a)->pos.x, 110.5);
    doc.undo();
    EXPECT_EQ(doc.graph().node(a)->pos.x, 100);
    EXPECT_EQ(doc.graph().node(a)->pos.y, 100);
    EXPECT_EQ(doc.graph().node(b)->pos.x, 300);
}

TEST(GraphDocument, ConnectChecksTypesAndReplacesTheOldLink) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    // CLIP output into the sampler's model input.
    EXPECT_FALSE(doc.canConnect(g.ckpt, 1, g.sampler, "model"));
    EXPECT_FALSE(doc.connectPorts(g.ckpt, 1, g.sampler, "model"));
    const std::string why = str(doc.lastError());
    EXPECT_NE(why.find("CheckpointLoaderSimple #1's output 'CLIP' (CLIP)"), std::string::npos) << why;
    EXPECT_NE(why.find("KSampler #5's input 'model' (MODEL)"), std::string::npos) << why;
    EXPECT_EQ(doc.graph().linkInto(g.sampler, "model")->fromSlot, 0);

    // A second latent source replaces the first link.
    const qint64 latent2 = doc.addNode("EmptyLatentImage", 0, 600);
    ASSERT_TRUE(doc.connectPorts(latent2, 0, g.sampler, "latent_image"));
    EXPECT_EQ(doc.graph().linkInto(g.sampler, "latent_image")->fromNode, latent2);
    EXPECT_EQ(doc.graph().links().size(), 9u);
    doc.undo();
    EXPECT_EQ(doc.graph().linkInto(g.sampler, "latent_image")->fromNode, g.latent);

    EXPECT_FALSE(doc.connectPorts(g.sampler, 0, g.sampler, "latent_image"));
    EXPECT_NE(str(doc.lastError()).find("cannot be linked to itself"), std::string::npos);
    EXPECT_FALSE(doc.connectPorts(g.ckpt, 7, g.sampler, "model"));
    EXPECT_NE(str(doc.lastError()).find("has no output 7"), std::string::npos);
    EXPECT_FALSE(doc.connectPorts(g.ckpt, 0, g.sampler, "modle"));
    EXPECT_NE(str(doc.lastError()).find("has no input 'modle'"), std::string::npos);
}

TEST(GraphDocument, ConnectRefusesCycles) {
    GraphDocument doc(builtinRegistry());
    const qint64 a = doc.addNode("LatentUpscale", 0, 0);
    const qint64 b = doc.addNode("LatentUpscale", 200, 0);
    const qint64 c = doc.addNode("LatentUpscale", 400, 0);
    ASSERT_TRUE(doc.connectPorts(a, 0, b, "samples"));
    ASSERT_TRUE(doc.connectPorts(b, 0, c, "samples"));
    EXPECT_FALSE(doc.canConnect(c, 0, a, "samples"));
    EXPECT_FALSE(doc.connectPorts(c, 0, a, "samples"));
    EXPECT_NE(str(doc.lastError()).find("would make a cycle"), std::string::npos) << str(doc.lastError());
    EXPECT_EQ(doc.graph().links().size(), 2u);
}

TEST(GraphDocument, LinkDroppedOnAWidgetConvertsItInOneStep) {
    GraphDocument doc(editorRegistry());
    const qint64 sampler = doc.addNode("KSampler", 0, 0);
    const qint64 source = doc.addNode("TestInt", -300, 0);
    const int steps = doc.undoStack()->count();
    ASSERT_TRUE(doc.connectPorts(source, 0, sampler, "seed")) << str(doc.lastError());
    EXPECT_EQ(doc.undoStack()->count(), steps + 1);
    EXPECT_TRUE(doc.graph().node(sampler)->widgetInputs.count("seed"));
    EXPECT_EQ(doc.graph().linkInto(sampler, "seed")->type, "INT");
    // INT may feed FLOAT, not STRING/COMBO.
    EXPECT_TRUE(doc.canConnect(source, 0, sampler, "cfg"));
    EXPECT_FALSE(doc.connectPorts(source, 0, sampler, "sampler_name"));
    EXPECT_NE(str(doc.lastError()).find("(INT)"), std::string::npos);
    EXPECT_NE(str(doc.lastError()).find("(COMBO)"), std::string::npos);

    doc.undo();
    EXPECT_FALSE(doc.graph().node(sampler)->widgetInputs.count("seed"));
    EXPECT_EQ(doc.graph().linkInto(sampler, "seed"), nullptr);
}

TEST(GraphDocument, WidgetAsInputAndBackDropsTheLink) {
    GraphDocument doc(editorRegistry());
    const qint64 sampler = doc.addNode("KSampler", 0, 0);
    const qint64 source = doc.addNode("TestInt", -300, 0);
    doc.setWidgetAsInput(sampler, "steps", true);
    EXPECT_TRUE(doc.graph().node(sampler)->widgetInputs.count("steps"));
    // Converted but unconnected: a missing input.
    const auto issues = validateGraph(doc.graph(), doc.registry());
    bool missing = false;
    for (const auto& i : issues)
        missing |= i.node == sampler && i.input == "steps" && i.message.find("missing input 'steps'") != std::string::npos;
    EXPECT_TRUE(missing) << formatIssues(doc.graph(), issues);

    ASSERT_TRUE(doc.connectPorts(source, 0, sampler, "steps"));
    doc.setWidgetAsInput(sampler, "steps", false);
    EXPECT_FALSE(doc.graph().node(sampler)->widgetInputs.count("steps"));
    EXPECT_EQ(doc.graph().linkInto(sampler, "steps"), nullptr);
    doc.undo();
    EXPECT_NE(doc.graph().linkInto(sampler, "steps"), nullptr);

    doc.setWidgetAsInput(sampler, "model", true);  // a port, not a widget
    EXPECT_NE(str(doc.lastError()).find("has no widget 'model'"), std::string::npos);
}

TEST(GraphDocument, SetWidgetValueChecksRangesAndChoices) {
    GraphDocument doc(builtinRegistry());
    const qint64 s = doc.addNode("KSampler", 0, 0);
    EXPECT_TRUE(doc.setWidgetValue(s, "steps", 30));
    EXPECT_EQ(doc.graph().node(s)->widgets.at("steps"), Value(int64_t(30)));
    EXPECT_TRUE(doc.setWidgetValue(s, "cfg", 6));  // an integer into a FLOAT widget stays a float
    EXPECT_EQ(doc.graph().node(s)->widgets.at("cfg"), Value(6.0));

    EXPECT_FALSE(doc.setWidgetValue(s, "steps", 0));
    EXPECT_EQ(str(doc.lastError()), "KSampler #1: 'steps' must be at least 1, not 0");
    EXPECT_FALSE(doc.setWidgetValue(s, "denoise", 1.5));
    EXPECT_NE(str(doc.lastError()).find("'denoise' must be at most 1"), std::string::npos);
    EXPECT_FALSE(doc.setWidgetValue(s, "steps", 2.5));
    EXPECT_NE(str(doc.lastError()).find("whole number"), std::string::npos);
    EXPECT_FALSE(doc.setWidgetValue(s, "sampler_name", "warp_drive"));
    EXPECT_NE(str(doc.lastError()).find("\"warp_drive\" is not one of the choices of 'sampler_name'"), std::string::npos);
    EXPECT_EQ(doc.graph().node(s)->widgets.at("steps"), Value(int64_t(30)));

    // File choices accept any name (the file may be added later).
    const qint64 ckpt = doc.addNode("CheckpointLoaderSimple", 0, 0);
    EXPECT_TRUE(doc.setWidgetValue(ckpt, "ckpt_name", "later.safetensors"));

    doc.undo();
    doc.undo();  // the checkpoint node
    doc.undo();  // cfg
    EXPECT_EQ(doc.graph().node(s)->widgets.at("cfg"), Value(8.0));
}

TEST(GraphDocument, FlagsTitlesNotesAndSizeAreUndoable) {
    GraphDocument doc(builtinRegistry());
    const qint64 a = doc.addNode("VAEDecode", 0, 0);
    const qint64 b = doc.addNode("VAEDecode", 0, 0);
    doc.setMuted(ids({a}), true);
    doc.setBypassed(ids({a, b}), true);
    EXPECT_TRUE(doc.graph().node(a)->bypassed);
    EXPECT_FALSE(doc.graph().node(a)->muted);  // bypass and mute exclude each other
    doc.setTitle(a, "Decoder");
    doc.setNote(a, "check the VAE");
    doc.setCollapsed(a, true);
    doc.resizeNode(a, 300, 120);
    doc.resizeNode(a, 320, 140);  // merges with the previous resize
    EXPECT_EQ(doc.graph().node(a)->size.x, 320);
    doc.undo();
    EXPECT_EQ(doc.graph().node(a)->size.x, 0);
    doc.undo();
    EXPECT_FALSE(doc.graph().node(a)->collapsed);
    doc.undo();
    EXPECT_EQ(doc.graph().node(a)->note, "");
    doc.undo();
    EXPECT_EQ(doc.graph().node(a)->title, "");
    doc.undo();
    EXPECT_FALSE(doc.graph().node(b)->bypassed);
    EXPECT_TRUE(doc.graph().node(a)->muted);
}

TEST(GraphDocument, GroupsAreUndoable) {
    GraphDocument doc(builtinRegistry());
    const qint64 a = doc.addNode("VAEDecode", 100, 100);
    const qint64 b = doc.addNode("VAEDecode", 400, 300);
    QSignalSpy spy(&doc, &GraphDocument::groupsChanged);
    const int g = doc.groupNodes(ids({a, b}));
    ASSERT_EQ(g, 0);
    ASSERT_EQ(doc.groups().size(), 1);
    const QVariantMap box = doc.groups()[0].toMap();
    EXPECT_EQ(box["title"].toString(), "Group");
    EXPECT_LT(box["x"].toDouble(), 100);
    EXPECT_LT(box["y"].toDouble(), 100);
    EXPECT_GT(box["x"].toDouble() + box["width"].toDouble(), 400 + 240);
    EXPECT_EQ(doc.nodesInGroup(0), ids({a, b}));
    doc.updateGroup(0, "Decoders", 0, 0, 800, 600, "#aa3333");
    EXPECT_EQ(doc.nodesInGroup(0), ids({a, b}));
    EXPECT_EQ(doc.graph().groups()[0].title, "Decoders");
    EXPECT_EQ(doc.addGroup("Second", 1000, 0, 100, 100), 1);
    EXPECT_TRUE(doc.nodesInGroup(1).isEmpty());
    doc.removeGroup(0);
    ASSERT_EQ(doc.graph().groups().size(), 1u);
    EXPECT_EQ(doc.graph().groups()[0].title, "Second");
    doc.undo();
    doc.undo();
    doc.undo();
    ASSERT_EQ(doc.graph().groups().size(), 1u);
    EXPECT_EQ(doc.graph().groups()[0].title, "Group");
    EXPECT_EQ(spy.count(), 7);  // group, update, add, remove, three undos
    doc.removeGroup(5);
    EXPECT_EQ(str(doc.lastError()), "there is no group 5");
    EXPECT_EQ(doc.groupNodes({}), -1);
}

TEST(GraphDocument, MacroMakesOneUndoStep) {
    GraphDocument doc(builtinRegistry());
    const qint64 sampler = doc.addNode("KSampler", 0, 0);
    doc.beginMacro("Add and connect");
    const qint64 decode = doc.addNode("VAEDecode", 300, 0);
    doc.connectPorts(sampler, 0, decode, "samples");
    doc.endMacro();
    EXPECT_EQ(str(doc.undoText()), "Add and connect");
    doc.undo();
    EXPECT_EQ(doc.graph().nodes().size(), 1u);
    EXPECT_TRUE(doc.graph().links().empty());
}

TEST(GraphDocument, AfterRunSeedChangesMarkModifiedWithoutUndoStep) {
    GraphDocument doc(builtinRegistry());
    const qint64 s = doc.addNode("KSampler", 0, 0);
    ASSERT_TRUE(doc.setWidgetValue(s, "seed", 41));
    doc.setControlAfterGenerate(s, "seed", "increment");
    doc.undoStack()->setClean();
    const int steps = doc.undoStack()->count();
    EXPECT_FALSE(doc.modified());
    doc.applyAfterRunWidgetChanges();
    EXPECT_EQ(doc.graph().node(s)->widgets.at("seed"), Value(int64_t(42)));
    EXPECT_TRUE(doc.modified());
    EXPECT_EQ(doc.undoStack()->count(), steps);
    doc.setControlAfterGenerate(s, "seed", "sometimes");
    EXPECT_NE(str(doc.lastError()).find("not a control-after-generate mode"), std::string::npos);
}
