// Colour in the sketch editor's model (PaintLayers, what the sketch canvas paints): a coloured
// stroke keeps its colour where it covers another, undo/redo restore both, the saved RGBA sketch
// holds the colours, the .tessera bundle carries it, and the PaintedSketch node draws the strokes
// in them. A black/white sketch opened for colour saves back to the same bytes.
#include "app/editor/graph_document.h"
#include "app/editor/paint_layers.h"
#include "core/exec/executor.h"
#include "core/io/bundle.h"
#include "core/mask/mask_png.h"
#include "nodes/values.h"

#include "editor_test_support.h"
#include "tests/support/refdata.h"

#include <QDir>
#include <QFile>
#include <QImage>

#include <array>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

const QColor kSketchRed(255, 59, 48), kSketchBlue(0, 122, 255);

mask::BrushSettings sketchPen() {
    mask::BrushSettings brush;
    brush.radius = 3;
    brush.hardness = 1;
    return brush;
}

void paintSketchStroke(PaintLayers& layers, const QColor& color, mask::StrokePoint from, mask::StrokePoint to) {
    layers.setBrushColor(color);
    layers.beginStroke(sketchPen(), from);
    layers.strokeTo(to);
    ASSERT_FALSE(layers.endStroke().empty());
}

// [r, g, b, a] of a straight-alpha image.
std::array<int, 4> sketchRgba(const QImage& image, int x, int y) {
    const QColor c = image.pixelColor(x, y);
    return {c.red(), c.green(), c.blue(), c.alpha()};
}

}  // namespace

TEST(SketchColour, ColouredStrokesKeepTheirColoursThroughUndoTheFileAndThePaintedSketchNode) {
    const QString input = QString::fromStdString(tessera::test::makeTempDir("sketch-colour"));
    PaintLayers layers;
    layers.resetColour(mask::MaskImage(32, 16), Qt::white);  // a new sketch
    paintSketchStroke(layers, kSketchRed, {4.5f, 8.5f}, {24.5f, 8.5f});    // across
    paintSketchStroke(layers, kSketchBlue, {12.5f, 1.5f}, {12.5f, 14.5f});  // down, over the red
    using Rgba = std::array<int, 4>;
    EXPECT_EQ(sketchRgba(layers.colourImage(), 8, 8), (Rgba{255, 59, 48, 255}));
    EXPECT_EQ(sketchRgba(layers.colourImage(), 12, 8), (Rgba{0, 122, 255, 255}));
    EXPECT_EQ(sketchRgba(layers.colourImage(), 8, 2), (Rgba{0, 0, 0, 0}));

    layers.undo();  // the blue stroke
    EXPECT_EQ(sketchRgba(layers.colourImage(), 12, 8), (Rgba{255, 59, 48, 255}));
    EXPECT_EQ(layers.coverage().at(12, 2), 0);
    layers.redo();
    EXPECT_EQ(sketchRgba(layers.colourImage(), 12, 8), (Rgba{0, 122, 255, 255}));
    EXPECT_EQ(layers.coverage().at(12, 2), 255);

    // Saved as the canvas saves it: an RGBA PNG with the strokes' colours, alpha = coverage.
    const QByteArray png = layers.colourPng();
    {
        QFile file(input + "/colour_sketch.png");
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        ASSERT_EQ(file.write(png), png.size());
    }
    const QImage saved(input + "/colour_sketch.png");
    ASSERT_TRUE(saved.hasAlphaChannel());
    EXPECT_EQ(sketchRgba(saved, 8, 8), (Rgba{255, 59, 48, 255}));
    EXPECT_EQ(sketchRgba(saved, 12, 8), (Rgba{0, 122, 255, 255}));

    GraphDocument doc(builtinRegistry());
    doc.setInputDir(input);
    const qint64 sketch = doc.addNode("PaintedSketch", 0, 0);
    ASSERT_TRUE(doc.applySketch(sketch, "colour_sketch.png", "#ffffff", "black")) << doc.lastError().toStdString();
    EXPECT_EQ(doc.sketchState(sketch)["sketchFile"].toString(), "colour_sketch.png");  // reopens the colour file
    // A picture with alpha the editor did not write is left as it is: Draw starts a new sketch.
    QImage cutout = saved;
    cutout.setText("Tessera", "");
    ASSERT_TRUE(cutout.save(input + "/cutout.png"));
    ASSERT_TRUE(doc.applySketch(sketch, "cutout.png", "#ffffff", "black"));
    EXPECT_EQ(doc.sketchState(sketch)["sketchFile"].toString(), "sketch.png");
    ASSERT_TRUE(doc.applySketch(sketch, "colour_sketch.png", "#ffffff", "black"));
    ASSERT_TRUE(doc.saveAs(input + "/colour.tessera")) << doc.lastError().toStdString();
    const Bundle bundle = loadBundle(input + "/colour.tessera", &builtinRegistry());
    ASSERT_EQ(bundle.files.count("colour_sketch.png"), 1u);
    EXPECT_EQ(bundle.files.at("colour_sketch.png"), png);

    Executor executor(builtinRegistry());
    Environment env;
    env.inputDir = input.toStdString();
    const RunResult r = executor.run(doc.graph(), env, {}, {sketch});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor out = r.outputs.at(sketch).at(0).as<nodes::ImageValue>()->pixels;
    ASSERT_EQ(out.sizes(), (at::IntArrayRef{1, 16, 32, 3}));
    const auto pixel = [&](int x, int y, int c) { return out[0][y][x][c].item<float>() * 255.0f; };
    EXPECT_NEAR(pixel(8, 8, 0), 255, 1e-3);  // red on the black background
    EXPECT_NEAR(pixel(8, 8, 1), 59, 1e-3);
    EXPECT_NEAR(pixel(8, 8, 2), 48, 1e-3);
    EXPECT_NEAR(pixel(12, 8, 0), 0, 1e-3);  // blue where it covers the red
    EXPECT_NEAR(pixel(12, 8, 1), 122, 1e-3);
    EXPECT_NEAR(pixel(12, 8, 2), 255, 1e-3);
    EXPECT_NEAR(pixel(8, 2, 0) + pixel(8, 2, 1) + pixel(8, 2, 2), 0, 1e-3);
    // Every pixel, anti-aliased edges included, is the painted premultiplied colour (to rounding).
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 32; ++x) {
            const QRgb painted = layers.premultipliedAt(x, y);
            ASSERT_NEAR(pixel(x, y, 0), qRed(painted), 1.01) << x << "," << y;
            ASSERT_NEAR(pixel(x, y, 1), qGreen(painted), 1.01) << x << "," << y;
            ASSERT_NEAR(pixel(x, y, 2), qBlue(painted), 1.01) << x << "," << y;
        }
}

TEST(SketchColour, ABlackAndWhiteSketchOpenedForColourSavesTheSameBytes) {
    mask::MaskImage strokes(20, 10);
    for (int x = 2; x < 18; ++x) strokes.at(x, 5) = uint8_t(x * 13);
    const std::vector<uint8_t> png = mask::encodeMaskPng(strokes);
    PaintLayers layers;
    layers.resetColour(mask::decodeMaskPng(png, "old_sketch.png"), QColor("#ff3b30"));
    EXPECT_EQ(mask::encodeMaskPng(layers.coverage()), png);
    // Shown in its line colour, and a colour stroke over it keeps the coverage painted before.
    EXPECT_EQ(layers.premultipliedAt(17, 5), qPremultiply(qRgba(255, 59, 48, 17 * 13)));
    paintSketchStroke(layers, kSketchBlue, {10.5f, 1.5f}, {10.5f, 3.5f});
    EXPECT_EQ(layers.coverage().at(17, 5), 17 * 13);
    layers.undo();
    EXPECT_EQ(mask::encodeMaskPng(layers.coverage()), png);
}
