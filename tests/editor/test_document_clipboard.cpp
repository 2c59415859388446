#include "app/editor/graph_document.h"

#include "editor_test_support.h"

#include <QUndoStack>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

TEST(DocumentClipboard, PasteIntoAnotherDocumentKeepsInternalLinksOnly) {
    GraphDocument a(builtinRegistry());
    TextToImage g(a);
    a.setTitle(g.sampler, "Main");
    ASSERT_TRUE(a.setWidgetValue(g.sampler, "steps", 12));
    // Sampler + decode: the link between them is internal; the rest reach outside.
    const QString clip = a.copyNodes(ids({g.sampler, g.decode}));

    GraphDocument b(builtinRegistry());
    const qint64 existing = b.addNode("VAEDecode", 0, 0);
    const QVariantList pasted = b.pasteNodes(clip, 500, 700);
    ASSERT_EQ(pasted.size(), 2);
    const qint64 sampler = pasted[0].toLongLong(), decode = pasted[1].toLongLong();
    EXPECT_NE(sampler, existing);
    EXPECT_NE(decode, existing);
    const Node* s = b.graph().node(sampler);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->type, "KSampler");
    EXPECT_EQ(s->title, "Main");
    EXPECT_EQ(s->widgets.at("steps"), Value(int64_t(12)));
    // Top-left of the pasted nodes' bounding box at (500, 700): sampler was at (600, 0), decode at (900, 0).
    EXPECT_EQ(s->pos.x, 500);
    EXPECT_EQ(s->pos.y, 700);
    EXPECT_EQ(b.graph().node(decode)->pos.x, 800);
    ASSERT_EQ(b.graph().links().size(), 1u);
    const Link& l = b.graph().links().begin()->second;
    EXPECT_EQ(l.fromNode, sampler);
    EXPECT_EQ(l.toNode, decode);
    EXPECT_EQ(l.toInput, "samples");
    EXPECT_EQ(l.type, "LATENT");

    b.undo();  // one step
    EXPECT_EQ(b.graph().nodes().size(), 1u);
    EXPECT_TRUE(b.graph().links().empty());
}

TEST(DocumentClipboard, PasteOfGarbageIsRefused) {
    GraphDocument doc(builtinRegistry());
    doc.addNode("VAEDecode", 0, 0);
    EXPECT_TRUE(doc.pasteNodes("this is not json", 0, 0).isEmpty());
    EXPECT_NE(str(doc.lastError()).find("cannot paste"), std::string::npos);
    EXPECT_TRUE(doc.pasteNodes("{\"format\": \"tessera-graph\", \"version\": 1, \"nodes\": []}", 0, 0).isEmpty());
    EXPECT_NE(str(doc.lastError()).find("no nodes"), std::string::npos);
    EXPECT_EQ(doc.graph().nodes().size(), 1u);
    EXPECT_EQ(doc.undoStack()->count(), 1);
}

TEST(DocumentClipboard, DuplicateOffsetsAndKeepsInternalLinks) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    const QVariantList copies = doc.duplicateNodes(ids({g.ckpt, g.pos, g.neg}));
    ASSERT_EQ(copies.size(), 3);
    const qint64 ckpt = copies[0].toLongLong();
    EXPECT_EQ(doc.graph().node(ckpt)->pos.x, 40);
    EXPECT_EQ(doc.graph().node(ckpt)->pos.y, 40);
    EXPECT_EQ(doc.graph().links().size(), 9u + 2u);  // clip -> both prompts, copied
    for (const QVariant& prompt : {copies[1], copies[2]}) {
        const Link* l = doc.graph().linkInto(prompt.toLongLong(), "clip");
        ASSERT_NE(l, nullptr);
        EXPECT_EQ(l->fromNode, ckpt);
    }
    EXPECT_EQ(str(doc.undoText()), "Duplicate");
}

TEST(DocumentClipboard, PastesAComfyUIApiPrompt) {
    GraphDocument doc(builtinRegistry());
    const QString prompt = R"({"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
                               "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}}})";
    const QVariantList pasted = doc.pasteNodes(prompt, 0, 0);
    ASSERT_EQ(pasted.size(), 2) << str(doc.lastError());
    ASSERT_EQ(doc.graph().links().size(), 1u);  // "3" is not there: that link is dropped
    EXPECT_EQ(doc.graph().links().begin()->second.toInput, "vae");
}
