#pragma once
// Shared by the editor tests: the real node registry and a small text-to-image graph.
#include "app/editor/graph_document.h"
#include "nodes/builtin_nodes.h"

#include <QCoreApplication>
#include <QString>
#include <QVariant>
#include <gtest/gtest.h>

#include <memory>

namespace tessera::editor::test {

// An event loop for tests that run graphs or wait for signals: a QCoreApplication unless one exists
// already (then nullptr), kept while the returned pointer lives.
inline std::unique_ptr<QCoreApplication> coreApplicationIfNone() {
    static int argc = 1;
    static char name[] = "editor_tests";
    static char* argv[] = {name, nullptr};
    return QCoreApplication::instance() ? nullptr : std::make_unique<QCoreApplication>(argc, argv);
}

inline const Registry& builtinRegistry() {
    static Registry registry;
    static const bool filled = (nodes::registerBuiltinNodes(registry), true);
    (void)filled;
    return registry;
}

// The built-in nodes plus "TestInt", a node with an INT output (no built-in node has one) to
// feed widgets turned into inputs.
inline const Registry& editorRegistry() {
    static Registry registry;
    static const bool filled = [] {
        Registry& r = registry;
        nodes::registerBuiltinNodes(r);
        NodeDecl d;
        d.type = "TestInt";
        d.displayName = "Test Int";
        d.category = "test";
        d.outputs = {{"INT", "INT"}};
        d.run = [](NodeContext&) { return std::vector<Value>{Value(int64_t(7))}; };
        r.add(std::move(d));
        return true;
    }();
    (void)filled;
    return registry;
}

// Checkpoint -> prompts -> KSampler <- EmptyLatentImage; KSampler -> VAEDecode -> SaveImage.
struct TextToImage {
    qint64 ckpt, pos, neg, latent, sampler, decode, save;

    explicit TextToImage(GraphDocument& doc) {
        ckpt = doc.addNode("CheckpointLoaderSimple", 0, 0);
        pos = doc.addNode("CLIPTextEncode", 300, 0);
        neg = doc.addNode("CLIPTextEncode", 300, 200);
        latent = doc.addNode("EmptyLatentImage", 300, 400);
        sampler = doc.addNode("KSampler", 600, 0);
        decode = doc.addNode("VAEDecode", 900, 0);
        save = doc.addNode("SaveImage", 1200, 0);
        link(doc, ckpt, 1, pos, "clip");
        link(doc, ckpt, 1, neg, "clip");
        link(doc, ckpt, 0, sampler, "model");
        link(doc, pos, 0, sampler, "positive");
        link(doc, neg, 0, sampler, "negative");
        link(doc, latent, 0, sampler, "latent_image");
        link(doc, sampler, 0, decode, "samples");
        link(doc, ckpt, 2, decode, "vae");
        link(doc, decode, 0, save, "images");
    }

    static void link(GraphDocument& doc, qint64 from, int slot, qint64 to, const char* input) {
        ASSERT_TRUE(doc.connectPorts(from, slot, to, input)) << doc.lastError().toStdString();
    }
};

inline QVariantList ids(std::initializer_list<qint64> list) {
    QVariantList out;
    for (qint64 id : list) out.push_back(id);
    return out;
}

inline std::string str(const QString& s) { return s.toStdString(); }

}  // namespace tessera::editor::test
