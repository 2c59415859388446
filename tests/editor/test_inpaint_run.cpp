// The inpainting graph GraphDocument::applyInpaint builds, run for real: its painted mask travels
// in .tessera bundles, and on the tiny model "only masked" leaves every pixel away from the mask
// bit-identical to the source.
#include "app/editor/graph_document.h"
#include "core/exec/executor.h"
#include "nodes/values.h"

#include "editor_test_support.h"
#include "tests/support/refdata.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>

#include <cstdlib>
#include <vector>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

// An input folder with the example photo and its mask (as the mask editor would save it), and a
// document whose LoadImage shows the photo.
class InpaintRun : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp.isValid());
        QDir(tmp.path()).mkpath("input");
        ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile("source.png")), input("source.png")));
        ASSERT_TRUE(QFile::copy(QString::fromStdString(tessera::test::exampleSourceFile("mask.png")), input("source_mask.png")));
        doc.setInputDir(tmp.filePath("input"));
        doc.setChoiceLister([](const QString& kind) {
            return kind == "checkpoints" ? QStringList{"tiny-sd15.safetensors"} : QStringList{};
        });
        load = doc.addNode("LoadImage", 0, 0);
        ASSERT_TRUE(doc.setWidgetValue(load, "image", "source.png"));
    }
    QString input(const QString& name) const { return tmp.filePath("input/" + name); }
    NodeId only(const GraphDocument& d, const std::string& type) const {
        std::vector<NodeId> found;
        for (const auto& [id, n] : d.graph().nodes())
            if (n.type == type) found.push_back(id);
        EXPECT_EQ(found.size(), 1u) << type;
        return found.empty() ? 0 : found.front();
    }

    QTemporaryDir tmp;
    GraphDocument doc{builtinRegistry()};
    qint64 load = 0;
};

// 1 where a mask pixel above 0 lies within `radius` pixels (a square window).
std::vector<uint8_t> nearMask(const QImage& mask, int radius) {
    const int w = mask.width(), h = mask.height();
    std::vector<uint8_t> rows(size_t(w * h)), out(size_t(w * h));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int dx = -radius; dx <= radius && !rows[size_t(y * w + x)]; ++dx)
                if (x + dx >= 0 && x + dx < w && qGray(mask.pixel(x + dx, y)) > 0) rows[size_t(y * w + x)] = 1;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int dy = -radius; dy <= radius && !out[size_t(y * w + x)]; ++dy)
                if (y + dy >= 0 && y + dy < h && rows[size_t((y + dy) * w + x)]) out[size_t(y * w + x)] = 1;
    return out;
}

}  // namespace

TEST_F(InpaintRun, TheBundleCarriesThePaintedMaskAndPaintedMaskReadsIt) {
    ASSERT_TRUE(doc.applyInpaint(load, "source_mask.png", {})) << str(doc.lastError());
    ASSERT_TRUE(doc.saveAs(tmp.filePath("scene.tessera"))) << str(doc.lastError());

    GraphDocument other(builtinRegistry());
    ASSERT_TRUE(other.open(tmp.filePath("scene.tessera"))) << str(other.lastError());
    ASSERT_NE(other.inputDir(), doc.inputDir());
    const NodeId painted = only(other, "PaintedMask");
    EXPECT_EQ(other.graph().node(painted)->widgets.at("mask_file"), Value("source_mask.png"));
    QFile extracted(QDir(other.inputDir()).filePath("source_mask.png")), original(input("source_mask.png"));
    ASSERT_TRUE(extracted.open(QIODevice::ReadOnly));
    ASSERT_TRUE(original.open(QIODevice::ReadOnly));
    EXPECT_EQ(extracted.readAll(), original.readAll());

    Executor executor(builtinRegistry());
    Environment env;
    env.inputDir = other.inputDir().toStdString();
    const RunResult r = executor.run(other.graph(), env, {}, {painted});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor mask = r.outputs.at(painted).at(0).as<nodes::MaskValue>()->mask;
    ASSERT_EQ(mask.dim(), 3);
    EXPECT_EQ(mask.size(1), 512);
    EXPECT_EQ(mask.size(2), 512);
    const QImage png(input("source_mask.png"));
    double want = 0;
    for (int y = 0; y < png.height(); ++y)
        for (int x = 0; x < png.width(); ++x) want += qGray(png.pixel(x, y)) / 255.0;
    ASSERT_GT(want, 0);
    EXPECT_NEAR(mask.sum().item<double>(), want, want * 1e-5);
}

TEST_F(InpaintRun, OnlyMaskedOnTheTinyModelKeepsThePixelsAwayFromTheMask) {
    const QString models = tmp.filePath("models");
    QDir(models).mkpath("checkpoints");
    ASSERT_TRUE(QFile::link(QString::fromStdString(tessera::test::refdataPath("models/tiny-sd15.safetensors")),
                            models + "/checkpoints/tiny-sd15.safetensors"));
    ::setenv("TESSERA_CLIP_VOCAB", tessera::test::refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);

    ASSERT_TRUE(doc.applyInpaint(load, "source_mask.png", {{"onlyMasked", true}, {"padding", 8}, {"targetSize", 64}}))
        << str(doc.lastError());
    const NodeId sampler = only(doc, "KSampler");
    ASSERT_TRUE(doc.setWidgetValue(sampler, "steps", 2));
    ASSERT_TRUE(doc.setWidgetValue(sampler, "seed", 7));
    const int stitchFeather = int(doc.graph().node(only(doc, "InpaintStitch"))->widgets.at("feather").toInt());

    Executor executor(builtinRegistry());
    Environment env;
    env.modelDirs = {models.toStdString()};
    env.inputDir = tmp.filePath("input").toStdString();
    env.outputDir = tmp.filePath("output").toStdString();
    env.tempDir = tmp.filePath("temp").toStdString();
    const RunResult r = executor.run(doc.graph(), env);
    ASSERT_TRUE(r.succeeded()) << r.message;

    const QImage result(tmp.filePath("output/inpaint_00001_.png"));
    const QImage source(input("source.png"));
    const QImage mask(input("source_mask.png"));
    ASSERT_FALSE(result.isNull());
    ASSERT_EQ(result.size(), source.size());
    // The stitch blends through the mask grown by its feather (dilated by feather/2, then
    // blurred over as much again): beyond that every pixel is the source's.
    const std::vector<uint8_t> near = nearMask(mask, stitchFeather + 1);
    int away = 0, changedAway = 0, changedInside = 0;
    for (int y = 0; y < source.height(); ++y)
        for (int x = 0; x < source.width(); ++x) {
            const bool same = result.pixel(x, y) == source.pixel(x, y);
            if (!near[size_t(y * source.width() + x)]) {
                ++away;
                changedAway += !same;
            } else if (qGray(mask.pixel(x, y)) == 255) {
                changedInside += !same;
            }
        }
    EXPECT_GT(away, 512 * 512 / 4);
    EXPECT_EQ(changedAway, 0);
    EXPECT_GT(changedInside, 0);  // and the masked area was repainted
}
