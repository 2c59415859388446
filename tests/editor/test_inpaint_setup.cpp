// "Inpaint this image": GraphDocument::inpaintState / applyInpaint / loadImageFor on the example
// graphs, each edit one undo step, and one run of the built graph on the tiny model.
#include "app/editor/graph_document.h"
#include "app/editor/inpaint_setup.h"
#include "app/editor/node_ports.h"
#include "core/io/graph_json.h"

#include "editor_test_support.h"
#include "tests/support/refdata.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QUrl>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

using Source = std::pair<NodeId, int>;  // the output feeding an input; {0, -1}: none

class InpaintSetup : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp.isValid());
        ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile("source.png")), tmp.filePath("source.png")));
        ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile("mask.png")), tmp.filePath("painted.png")));
        doc.setChoiceLister([](const QString& kind) {
            return kind == "checkpoints" ? QStringList{"tiny-sd15.safetensors", "other.safetensors"} : QStringList{};
        });
    }

    // Opens a ComfyUI API example; its input folder is the folder it was copied to.
    void openExample(const QString& name) {
        ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile(name.toStdString())), tmp.filePath(name)));
        ASSERT_TRUE(doc.open(tmp.filePath(name))) << str(doc.lastError());
        ASSERT_EQ(doc.inputDir(), QFileInfo(tmp.path()).absoluteFilePath());
    }

    std::vector<NodeId> ofType(const std::string& type) const {
        std::vector<NodeId> out;
        for (const auto& [id, n] : doc.graph().nodes())
            if (n.type == type) out.push_back(id);
        return out;
    }
    NodeId only(const std::string& type) const {
        const auto all = ofType(type);
        EXPECT_EQ(all.size(), 1u) << type;
        return all.size() == 1 ? all.front() : 0;
    }
    Source src(NodeId to, const std::string& input) const {
        const Link* l = doc.graph().linkInto(to, input);
        return l ? Source{l->fromNode, l->fromSlot} : Source{0, -1};
    }
    const Value& widget(NodeId node, const std::string& name) const { return doc.graph().node(node)->widgets.at(name); }
    std::string json() const { return graphToJson(doc.graph()).toStdString(); }

    bool apply(const QVariantMap& options, const QString& mask = "painted.png") {
        return doc.applyInpaint(only("LoadImage"), mask, options);
    }

    // No node added by the edit overlaps another node.
    void expectNoOverlaps(const std::set<NodeId>& before) const {
        const Graph& g = doc.graph();
        for (const auto& [a, na] : g.nodes())
            for (const auto& [b, nb] : g.nodes())
                if (a < b && (!before.count(a) || !before.count(b))) {
                    EXPECT_FALSE(nodeRect(g, na, builtinRegistry()).intersects(nodeRect(g, nb, builtinRegistry())))
                        << g.describeNode(a) << " overlaps " << g.describeNode(b);
                }
    }
    std::set<NodeId> nodeIds() const {
        std::set<NodeId> out;
        for (const auto& [id, n] : doc.graph().nodes()) out.insert(id);
        return out;
    }

    QTemporaryDir tmp;
    GraphDocument doc{builtinRegistry()};
};

}  // namespace

TEST(InpaintOptions, FromVariantValidatesAndRoundTrips) {
    const InpaintOptions bad = InpaintOptions::fromVariant(
        {{"method", "magic"}, {"padLeft", -8}, {"padTop", 16}, {"feather", -3}, {"grow", -5}, {"onlyMasked", true}});
    EXPECT_EQ(str(bad.method), "noise_mask");  // unknown: the default
    EXPECT_EQ(bad.padLeft, 0);
    EXPECT_EQ(bad.padTop, 16);
    EXPECT_EQ(bad.feather, 0);
    EXPECT_EQ(bad.grow, -5);  // negative grow shrinks the mask
    EXPECT_TRUE(bad.onlyMasked);
    EXPECT_EQ(bad.padding, 32);  // missing keys keep the defaults
    EXPECT_EQ(bad.targetSize, 512);
    EXPECT_TRUE(bad.outpaints());

    InpaintOptions o;
    o.method = "inpaint_model";
    o.grow = 3;
    o.targetSize = 256;
    o.padRight = 64;
    o.denoise = 0.7;
    const InpaintOptions back = InpaintOptions::fromVariant(o.toVariant());
    EXPECT_EQ(back.toVariant(), o.toVariant());
    EXPECT_EQ(o.toVariant().value("method").toString(), "inpaint_model");
    EXPECT_EQ(o.toVariant().size(), 12);
}

TEST_F(InpaintSetup, Img2ImgGetsTheMaskChainBetweenEncodeAndSamplerInOneUndoStep) {
    openExample("img2img.json");
    const NodeId load = only("LoadImage"), encode = only("VAEEncode"), noise = only("NoiseByStrength");
    const NodeId sampler = only("KSampler"), ckpt = only("CheckpointLoaderSimple");
    const std::string before = json();
    const std::set<NodeId> idsBefore = nodeIds();
    const int steps = doc.undoStack()->count();

    ASSERT_TRUE(apply({{"grow", 4}, {"feather", 2}})) << str(doc.lastError());
    EXPECT_EQ(doc.undoStack()->count(), steps + 1);
    EXPECT_EQ(str(doc.undoText()), "Set up inpainting");
    EXPECT_EQ(doc.graph().nodes().size(), 9u + 4u);
    const NodeId painted = only("PaintedMask"), grow = only("GrowMask"), feather = only("FeatherMask");
    const NodeId noiseMask = only("SetLatentNoiseMask");
    EXPECT_EQ(widget(painted, "mask_file"), Value("painted.png"));
    EXPECT_EQ(src(painted, "image"), Source(load, 0));
    EXPECT_EQ(src(grow, "mask"), Source(painted, 0));
    EXPECT_EQ(widget(grow, "expand"), Value(int64_t(4)));
    EXPECT_EQ(src(feather, "mask"), Source(grow, 0));
    for (const char* side : {"left", "top", "right", "bottom"}) EXPECT_EQ(widget(feather, side), Value(int64_t(2))) << side;
    // VAEEncode -> SetLatentNoiseMask -> NoiseByStrength -> KSampler: the noise mask rides along.
    EXPECT_EQ(src(encode, "pixels"), Source(load, 0));
    EXPECT_EQ(src(noiseMask, "samples"), Source(encode, 0));
    EXPECT_EQ(src(noiseMask, "mask"), Source(feather, 0));
    EXPECT_EQ(src(noise, "samples"), Source(noiseMask, 0));
    EXPECT_EQ(src(sampler, "latent_image"), Source(noise, 0));
    EXPECT_EQ(src(encode, "vae"), Source(ckpt, 2));
    expectNoOverlaps(idsBefore);
    const std::string after = json();

    doc.undo();
    EXPECT_EQ(json(), before);
    doc.redo();
    EXPECT_EQ(json(), after);
}

TEST_F(InpaintSetup, ThePaintedMaskReplacesTheLoadImageMaskOfTheInpaintingExample) {
    openExample("inpainting.json");
    const NodeId noiseMask = only("SetLatentNoiseMask"), encode = only("VAEEncode"), sampler = only("KSampler");
    ASSERT_EQ(ofType("LoadImageMask").size(), 1u);
    const std::string before = json();

    ASSERT_TRUE(apply({})) << str(doc.lastError());
    EXPECT_TRUE(ofType("LoadImageMask").empty());  // nothing used it any more
    EXPECT_EQ(only("SetLatentNoiseMask"), noiseMask);  // reused, not duplicated
    EXPECT_EQ(src(noiseMask, "mask"), Source(only("FeatherMask"), 0));
    EXPECT_EQ(src(noiseMask, "samples"), Source(encode, 0));
    EXPECT_EQ(src(sampler, "latent_image"), Source(noiseMask, 0));
    EXPECT_EQ(doc.graph().nodes().size(), 10u - 1u + 3u);

    doc.undo();
    EXPECT_EQ(json(), before);
}

TEST_F(InpaintSetup, ApplyingAgainUpdatesTheSameNodes) {
    openExample("img2img.json");
    ASSERT_TRUE(apply({{"grow", 4}}));
    const std::set<NodeId> first = nodeIds();
    const int steps = doc.undoStack()->count();

    ASSERT_TRUE(apply({{"grow", -2}, {"feather", 6}}));
    EXPECT_EQ(nodeIds(), first);
    EXPECT_EQ(widget(only("GrowMask"), "expand"), Value(int64_t(-2)));
    EXPECT_EQ(widget(only("FeatherMask"), "top"), Value(int64_t(6)));
    EXPECT_EQ(doc.undoStack()->count(), steps + 1);
    // The same options again change nothing: no undo step.
    ASSERT_TRUE(apply({{"grow", -2}, {"feather", 6}}));
    EXPECT_EQ(doc.undoStack()->count(), steps + 1);
}

TEST_F(InpaintSetup, SwitchingTheMethodSwapsTheMethodNodes) {
    openExample("img2img.json");
    const NodeId load = only("LoadImage"), noise = only("NoiseByStrength"), sampler = only("KSampler");
    const NodeId ckpt = only("CheckpointLoaderSimple");
    const Source positive = src(sampler, "positive"), negative = src(sampler, "negative");
    ASSERT_TRUE(apply({}));
    const std::string noiseMaskGraph = json();
    const NodeId feather = only("FeatherMask");

    ASSERT_TRUE(apply({{"method", "vae_encode_for_inpaint"}})) << str(doc.lastError());
    EXPECT_TRUE(ofType("VAEEncode").empty());
    EXPECT_TRUE(ofType("SetLatentNoiseMask").empty());
    const NodeId forInpaint = only("VAEEncodeForInpaint");
    EXPECT_EQ(src(forInpaint, "pixels"), Source(load, 0));
    EXPECT_EQ(src(forInpaint, "mask"), Source(feather, 0));
    EXPECT_EQ(src(forInpaint, "vae"), Source(ckpt, 2));
    EXPECT_EQ(src(noise, "samples"), Source(forInpaint, 0));

    ASSERT_TRUE(apply({{"method", "inpaint_model"}})) << str(doc.lastError());
    EXPECT_TRUE(ofType("VAEEncodeForInpaint").empty());
    const NodeId conditioning = only("InpaintModelConditioning");
    EXPECT_EQ(src(conditioning, "positive"), positive);
    EXPECT_EQ(src(conditioning, "negative"), negative);
    EXPECT_EQ(src(conditioning, "pixels"), Source(load, 0));
    EXPECT_EQ(src(conditioning, "mask"), Source(feather, 0));
    EXPECT_EQ(src(sampler, "positive"), Source(conditioning, 0));
    EXPECT_EQ(src(sampler, "negative"), Source(conditioning, 1));
    EXPECT_EQ(src(noise, "samples"), Source(conditioning, 2));
    EXPECT_EQ(str(doc.inpaintState(load).value("options").toMap().value("method").toString()), "inpaint_model");

    ASSERT_TRUE(apply({{"method", "noise_mask"}}));
    EXPECT_TRUE(ofType("InpaintModelConditioning").empty());
    EXPECT_EQ(src(sampler, "positive"), positive);  // the prompts feed the sampler again
    EXPECT_EQ(src(sampler, "negative"), negative);
    EXPECT_EQ(src(noise, "samples"), Source(only("SetLatentNoiseMask"), 0));
    doc.undo();
    doc.undo();
    doc.undo();
    EXPECT_EQ(json(), noiseMaskGraph);
}

TEST_F(InpaintSetup, OnlyMaskedInsertsAndRemovesCropAndStitch) {
    openExample("img2img.json");
    const NodeId load = only("LoadImage"), decode = only("VAEDecode"), save = only("SaveImage");
    const NodeId encode = only("VAEEncode");
    ASSERT_TRUE(apply({}));
    const std::set<NodeId> idsBefore = nodeIds();

    ASSERT_TRUE(apply({{"onlyMasked", true}, {"padding", 16}, {"targetSize", 260}})) << str(doc.lastError());
    const NodeId crop = only("InpaintCrop"), stitch = only("InpaintStitch"), feather = only("FeatherMask");
    EXPECT_EQ(src(crop, "image"), Source(load, 0));
    EXPECT_EQ(src(crop, "mask"), Source(feather, 0));
    EXPECT_EQ(widget(crop, "padding"), Value(int64_t(16)));
    EXPECT_EQ(widget(crop, "target_size"), Value(int64_t(256)));  // a multiple of 8
    EXPECT_EQ(src(encode, "pixels"), Source(crop, 0));
    EXPECT_EQ(src(only("SetLatentNoiseMask"), "mask"), Source(crop, 1));
    EXPECT_EQ(src(stitch, "source"), Source(load, 0));
    EXPECT_EQ(src(stitch, "inpainted"), Source(decode, 0));
    EXPECT_EQ(src(stitch, "crop_info"), Source(crop, 2));
    EXPECT_EQ(src(stitch, "mask"), Source(feather, 0));
    EXPECT_EQ(src(save, "images"), Source(stitch, 0));
    expectNoOverlaps(idsBefore);
    const QVariantMap options = doc.inpaintState(load).value("options").toMap();
    EXPECT_TRUE(options.value("onlyMasked").toBool());
    EXPECT_EQ(options.value("padding").toInt(), 16);
    EXPECT_EQ(options.value("targetSize").toInt(), 256);

    ASSERT_TRUE(apply({{"onlyMasked", false}}));
    EXPECT_TRUE(ofType("InpaintCrop").empty());
    EXPECT_TRUE(ofType("InpaintStitch").empty());
    EXPECT_EQ(src(save, "images"), Source(decode, 0));
    EXPECT_EQ(src(encode, "pixels"), Source(load, 0));
    EXPECT_EQ(src(only("SetLatentNoiseMask"), "mask"), Source(feather, 0));
    EXPECT_EQ(nodeIds(), idsBefore);
}

TEST_F(InpaintSetup, OutpaintPadsInsertAndRemovePadAndComposite) {
    openExample("img2img.json");
    const NodeId load = only("LoadImage"), encode = only("VAEEncode");
    ASSERT_TRUE(apply({{"padLeft", 64}, {"padRight", 32}, {"outpaintFeather", 24}})) << str(doc.lastError());
    const NodeId pad = only("ImagePadForOutpaint"), composite = only("MaskComposite"), feather = only("FeatherMask");
    EXPECT_EQ(src(pad, "image"), Source(load, 0));
    EXPECT_EQ(widget(pad, "left"), Value(int64_t(64)));
    EXPECT_EQ(widget(pad, "top"), Value(int64_t(0)));
    EXPECT_EQ(widget(pad, "right"), Value(int64_t(32)));
    EXPECT_EQ(widget(pad, "feathering"), Value(int64_t(24)));
    EXPECT_EQ(src(composite, "destination"), Source(pad, 1));
    EXPECT_EQ(src(composite, "source"), Source(feather, 0));
    EXPECT_EQ(widget(composite, "x"), Value(int64_t(64)));
    EXPECT_EQ(widget(composite, "y"), Value(int64_t(0)));
    EXPECT_EQ(widget(composite, "operation"), Value("add"));
    EXPECT_EQ(src(encode, "pixels"), Source(pad, 0));
    EXPECT_EQ(src(only("SetLatentNoiseMask"), "mask"), Source(composite, 0));
    // The mask is painted on the unpadded image.
    EXPECT_EQ(src(only("PaintedMask"), "image"), Source(load, 0));

    ASSERT_TRUE(apply({}));
    EXPECT_TRUE(ofType("ImagePadForOutpaint").empty());
    EXPECT_TRUE(ofType("MaskComposite").empty());
    EXPECT_EQ(src(encode, "pixels"), Source(load, 0));
    EXPECT_EQ(src(only("SetLatentNoiseMask"), "mask"), Source(feather, 0));
}

TEST_F(InpaintSetup, ALoneLoadImageGetsTheWholePipeline) {
    doc.setInputDir(tmp.path());
    const qint64 load = doc.addNode("LoadImage", 100, 50);
    ASSERT_TRUE(doc.setWidgetValue(load, "image", "source.png"));
    ASSERT_TRUE(apply({{"denoise", 0.8}})) << str(doc.lastError());
    const NodeId ckpt = only("CheckpointLoaderSimple"), sampler = only("KSampler"), decode = only("VAEDecode");
    const NodeId save = only("SaveImage"), encode = only("VAEEncode"), noiseMask = only("SetLatentNoiseMask");
    const auto prompts = ofType("CLIPTextEncode");
    ASSERT_EQ(prompts.size(), 2u);
    EXPECT_EQ(widget(ckpt, "ckpt_name"), Value("tiny-sd15.safetensors"));  // the first the lister offers
    EXPECT_EQ(widget(sampler, "denoise"), Value(0.8));
    EXPECT_EQ(widget(save, "filename_prefix"), Value("inpaint"));
    EXPECT_EQ(src(prompts[0], "clip"), Source(ckpt, 1));
    EXPECT_EQ(src(prompts[1], "clip"), Source(ckpt, 1));
    EXPECT_EQ(src(sampler, "model"), Source(ckpt, 0));
    EXPECT_EQ(src(sampler, "positive"), Source(prompts[0], 0));
    EXPECT_EQ(src(sampler, "negative"), Source(prompts[1], 0));
    EXPECT_EQ(src(sampler, "latent_image"), Source(noiseMask, 0));
    EXPECT_EQ(src(noiseMask, "samples"), Source(encode, 0));
    EXPECT_EQ(src(encode, "pixels"), Source(load, 0));
    EXPECT_EQ(src(encode, "vae"), Source(ckpt, 2));
    EXPECT_EQ(src(decode, "samples"), Source(sampler, 0));
    EXPECT_EQ(src(decode, "vae"), Source(ckpt, 2));
    EXPECT_EQ(src(save, "images"), Source(decode, 0));
    EXPECT_EQ(doc.graph().nodes().size(), 1u + 5u + 6u);  // LoadImage, mask chain + encode, pipeline
    expectNoOverlaps({});
    doc.undo();
    EXPECT_EQ(doc.graph().nodes().size(), 1u);
}

TEST_F(InpaintSetup, RefusesAMissingMaskFileOrANodeThatIsNoLoadImage) {
    openExample("img2img.json");
    const std::string before = json();
    const int steps = doc.undoStack()->count();
    EXPECT_FALSE(apply({}, "nothing_here.png"));
    EXPECT_NE(str(doc.lastError()).find("the mask 'nothing_here.png' is not in the input folder"), std::string::npos)
        << str(doc.lastError());
    EXPECT_FALSE(doc.applyInpaint(only("KSampler"), "painted.png", {}));
    EXPECT_NE(str(doc.lastError()).find("is not a Load Image node"), std::string::npos) << str(doc.lastError());
    EXPECT_TRUE(doc.inpaintState(only("KSampler")).isEmpty());
    EXPECT_NE(str(doc.lastError()).find("is not a Load Image node"), std::string::npos);
    EXPECT_EQ(json(), before);
    EXPECT_EQ(doc.undoStack()->count(), steps);
}

TEST_F(InpaintSetup, InpaintStateNamesANewMaskFileThenReadsTheGraphBack) {
    openExample("img2img.json");
    const NodeId load = only("LoadImage");
    const QDir dir(tmp.path());
    QVariantMap state = doc.inpaintState(load);
    EXPECT_EQ(state.value("image").toString(), "source.png");
    EXPECT_EQ(state.value("imagePath").toString(), dir.absoluteFilePath("source.png"));
    EXPECT_EQ(state.value("maskFile").toString(), "source_mask.png");
    EXPECT_EQ(state.value("maskPath").toString(), dir.absoluteFilePath("source_mask.png"));
    EXPECT_EQ(state.value("options").toMap(), InpaintOptions::fromVariant({{"denoise", 0.6}}).toVariant());
    ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile("mask.png")), dir.filePath("source_mask.png")));
    EXPECT_EQ(doc.inpaintState(load).value("maskFile").toString(), "source_mask_2.png");  // not overwriting a file

    InpaintOptions o;
    o.method = "vae_encode_for_inpaint";
    o.grow = 5;
    o.feather = 3;
    o.onlyMasked = true;
    o.padding = 24;
    o.targetSize = 320;
    o.padTop = 16;
    o.padBottom = 8;
    o.outpaintFeather = 12;
    o.denoise = 0.6;  // the existing KSampler's, read back
    ASSERT_TRUE(apply(o.toVariant())) << str(doc.lastError());
    state = doc.inpaintState(load);
    EXPECT_EQ(state.value("maskFile").toString(), "painted.png");
    EXPECT_EQ(state.value("options").toMap(), o.toVariant());
}

TEST_F(InpaintSetup, LoadImageForAnOutputImageRepointsTheImg2ImgLoadImage) {
    openExample("img2img.json");
    const NodeId load = only("LoadImage");
    QTemporaryDir outputs;
    ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile("source.png")), outputs.filePath("result.png")));
    const QString url = QUrl::fromLocalFile(outputs.filePath("result.png")).toString();

    EXPECT_EQ(doc.loadImageFor(url), load);
    EXPECT_EQ(widget(load, "image"), Value("result.png"));
    EXPECT_TRUE(QFile::exists(QDir(tmp.path()).filePath("result.png")));
    EXPECT_EQ(doc.graph().nodes().size(), 9u);
    // A second import of a file with the same name gets a free name.
    EXPECT_EQ(doc.loadImageFor(outputs.filePath("result.png")), load);
    EXPECT_EQ(widget(load, "image"), Value("result_1.png"));
    doc.undo();
    doc.undo();
    EXPECT_EQ(widget(load, "image"), Value("source.png"));

    QFile text(outputs.filePath("notes.txt"));
    ASSERT_TRUE(text.open(QIODevice::WriteOnly));
    text.write("hello");
    text.close();
    EXPECT_EQ(doc.loadImageFor(outputs.filePath("notes.txt")), -1);
    EXPECT_NE(str(doc.lastError()).find("not an image"), std::string::npos) << str(doc.lastError());
}

TEST_F(InpaintSetup, LoadImageForATextToImageGraphAddsALoadImage) {
    doc.setInputDir(tmp.path());
    TextToImage t2i(doc);
    const qint64 id = doc.loadImageFor(tmp.filePath("source.png"));  // already in the input folder: not copied
    ASSERT_GT(id, 0);
    EXPECT_EQ(doc.graph().node(id)->type, "LoadImage");
    EXPECT_EQ(widget(id, "image"), Value("source.png"));
    EXPECT_EQ(doc.graph().nodes().size(), 8u);
    EXPECT_EQ(QDir(tmp.path()).entryList(QDir::Files).size(), 2);
    expectNoOverlaps({t2i.ckpt, t2i.pos, t2i.neg, t2i.latent, t2i.sampler, t2i.decode, t2i.save});

    // Its inpainting graph takes the place of the empty latent.
    ASSERT_TRUE(doc.applyInpaint(id, "painted.png", {}));
    EXPECT_TRUE(ofType("EmptyLatentImage").empty());
    EXPECT_EQ(src(t2i.sampler, "latent_image"), Source(only("SetLatentNoiseMask"), 0));
    EXPECT_EQ(src(only("VAEEncode"), "vae"), Source(t2i.ckpt, 2));
}

TEST_F(InpaintSetup, ImportImageWithoutAnInputFolderUsesTheAppDataInputFolder) {
    QStandardPaths::setTestModeEnabled(true);
    const QString expected = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/input";
    ASSERT_TRUE(doc.inputDir().isEmpty());
    const QString name = doc.importImage(tmp.filePath("source.png"));
    ASSERT_FALSE(name.isEmpty()) << str(doc.lastError());
    EXPECT_EQ(doc.inputDir(), expected);
    EXPECT_TRUE(QFile::exists(expected + "/" + name));
    QFile::remove(expected + "/" + name);
    doc.newGraph();
    EXPECT_EQ(doc.inputDir(), expected);  // kept for the session's new graphs
    QStandardPaths::setTestModeEnabled(false);
}
