#include "app/editor/node_catalog.h"

#include "editor_test_support.h"

#include <QColor>

#include <algorithm>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

QStringList typesOf(const QVariantList& hits) {
    QStringList out;
    for (const QVariant& h : hits) out << h.toMap()["type"].toString();
    return out;
}

}  // namespace

TEST(NodeCatalog, FuzzyScorePrefersPrefixesWordStartsAndContiguity) {
    EXPECT_EQ(NodeCatalog::fuzzyScore("xyz", "KSampler"), 0);
    EXPECT_EQ(NodeCatalog::fuzzyScore("rk", "KSampler"), 0);  // order matters
    EXPECT_GT(NodeCatalog::fuzzyScore("ksam", "KSampler"), 0);
    EXPECT_GT(NodeCatalog::fuzzyScore("KSAM", "KSampler"), 0);  // case-insensitive
    EXPECT_GT(NodeCatalog::fuzzyScore("samp", "KSampler"), NodeCatalog::fuzzyScore("smpl", "KSampler"));
    EXPECT_GT(NodeCatalog::fuzzyScore("vd", "VAE Decode"), NodeCatalog::fuzzyScore("ad", "VAE Decode"));  // word starts
    EXPECT_GT(NodeCatalog::fuzzyScore("ksampler", "KSampler"), NodeCatalog::fuzzyScore("ksampler", "KSamplerAdvanced"));
    EXPECT_GT(NodeCatalog::fuzzyScore("load", "Load Image"), NodeCatalog::fuzzyScore("load", "Upscale Image (load)"));
}

TEST(NodeCatalog, SearchRanksTheObviousNodeFirst) {
    NodeCatalog catalog(builtinRegistry());
    const QVariantList ksam = catalog.search("ksam");
    ASSERT_FALSE(ksam.isEmpty());
    EXPECT_EQ(typesOf(ksam)[0], "KSampler");
    EXPECT_TRUE(typesOf(ksam).contains("KSamplerAdvanced"));
    EXPECT_FALSE(typesOf(ksam).contains("VAEDecode"));
    const QVariantList vae = catalog.search("vae dec");
    ASSERT_FALSE(vae.isEmpty());
    EXPECT_EQ(typesOf(vae)[0], "VAEDecode");
    const QVariantMap first = vae[0].toMap();
    EXPECT_EQ(first["displayName"], "VAE Decode");
    EXPECT_EQ(first["category"], "latent");
    EXPECT_GT(first["score"].toInt(), 0);
    // No limit: every node; the default limit caps the list.
    EXPECT_EQ(catalog.search("", {}, true, 0).size(), int(builtinRegistry().all().size()));
    EXPECT_EQ(catalog.search("").size(), std::min(50, int(builtinRegistry().all().size())));
    EXPECT_EQ(catalog.search("", {}, true, 5).size(), 5);
    EXPECT_TRUE(catalog.search("qqqq").isEmpty());
}

TEST(NodeCatalog, SearchByPortType) {
    NodeCatalog catalog(builtinRegistry());
    // Dragged from a LATENT output: nodes with a LATENT input.
    const QVariantList fromLatent = catalog.search("", "LATENT", true, 0);
    const QStringList types = typesOf(fromLatent);
    EXPECT_TRUE(types.contains("KSampler"));
    EXPECT_TRUE(types.contains("VAEDecode"));
    EXPECT_FALSE(types.contains("CheckpointLoaderSimple"));
    EXPECT_FALSE(types.contains("EmptyLatentImage"));
    for (const QVariant& h : fromLatent)
        if (h.toMap()["type"] == "VAEDecode") {
            EXPECT_EQ(h.toMap()["port"], "samples");
        }
    // Dragged from a VAE input: nodes with a VAE output, the port is the output index.
    const QVariantList intoVae = catalog.search("", "VAE", false, 0);
    EXPECT_TRUE(typesOf(intoVae).contains("CheckpointLoaderSimple"));
    EXPECT_TRUE(typesOf(intoVae).contains("VAELoader"));
    EXPECT_FALSE(typesOf(intoVae).contains("VAEDecode"));
    for (const QVariant& h : intoVae)
        if (h.toMap()["type"] == "CheckpointLoaderSimple") {
            EXPECT_EQ(h.toMap()["port"], "2");
        }
    // Query and port filter together; a port type is searchable too.
    EXPECT_EQ(typesOf(catalog.search("dec", "LATENT", true))[0], "VAEDecode");
    EXPECT_TRUE(typesOf(catalog.search("CONTROL_NET")).contains("ControlNetLoader"));
}

TEST(NodeCatalog, CategoriesAreSortedAndComplete) {
    NodeCatalog catalog(builtinRegistry());
    const QVariantList cats = catalog.categories();
    ASSERT_FALSE(cats.isEmpty());
    int total = 0;
    QString previous;
    for (const QVariant& c : cats) {
        const QString name = c.toMap()["category"].toString();
        EXPECT_LT(previous, name);
        previous = name;
        total += c.toMap()["types"].toList().size();
    }
    EXPECT_EQ(total, int(builtinRegistry().all().size()));
}

TEST(NodeCatalog, PortColorsAreFixedForKnownTypesAndStableForOthers) {
    EXPECT_EQ(NodeCatalog::portColor("LATENT"), "#ff9cf9");
    EXPECT_EQ(NodeCatalog::portColor("MODEL"), "#b39ddb");
    EXPECT_EQ(NodeCatalog::portColor("CLIP"), "#ffd500");
    EXPECT_EQ(NodeCatalog::portColor("VAE"), "#ff6e6e");
    QStringList seen;
    for (const char* t : {"MODEL", "CLIP", "VAE", "CONDITIONING", "LATENT", "IMAGE", "MASK", "CONTROL_NET"}) {
        const QString c = NodeCatalog::portColor(t);
        EXPECT_FALSE(seen.contains(c)) << t;
        seen << c;
    }
    const QString custom = NodeCatalog::portColor("MY_PLUGIN_TYPE");
    EXPECT_TRUE(QColor(custom).isValid());
    EXPECT_EQ(custom, NodeCatalog::portColor("MY_PLUGIN_TYPE"));
    EXPECT_NE(custom, NodeCatalog::portColor("OTHER_TYPE"));
}
