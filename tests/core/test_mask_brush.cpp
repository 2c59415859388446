// Brush dabs and strokes on a MaskImage: the dab profile (hardness), opacity capping within a
// stroke, flow build-up, pressure, the eraser and the dirty rectangles the editor redraws.
#include "core/common/error.h"
#include "core/mask/mask_fill.h"
#include "core/mask/stroke_rasterizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

using namespace tessera::mask;

namespace tessera::mask {
void PrintTo(const PixelRect& r, std::ostream* os) {
    *os << "{x " << r.x << ", y " << r.y << ", " << r.width << "x" << r.height << "}";
}
}  // namespace tessera::mask

namespace {

BrushSettings brush(float radius, float hardness, float opacity = 1.0f, float flow = 1.0f) {
    BrushSettings b;
    b.radius = radius;
    b.hardness = hardness;
    b.opacity = opacity;
    b.flow = flow;
    return b;
}

// One dab centred on pixel (50, 50); returns the stroke's dirty rectangle.
PixelRect dabAt50(MaskImage& mask, const BrushSettings& b, float pressure = 1.0f) {
    StrokeRasterizer stroke(mask);
    const PixelRect dirty = stroke.begin(b, {50.5f, 50.5f, pressure});
    stroke.end();
    return dirty;
}

// The bounding box of the pixels that differ.
PixelRect diffBounds(const MaskImage& a, const MaskImage& b) {
    PixelRect r;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            if (a.at(x, y) != b.at(x, y)) r = r.united({x, y, 1, 1});
    return r;
}

uint8_t maxByte(const MaskImage& m) { return *std::max_element(m.bytes().begin(), m.bytes().end()); }

}  // namespace

TEST(MaskBrush, SoftDabFallsOffSmoothlyFromOpacityAtTheCentreToZeroAtTheRadius) {
    MaskImage mask(100, 100);
    dabAt50(mask, brush(10, 0.0f, 0.8f));
    // 0.8 * (1 - smoothstep(d / 10)), times the anti-aliasing ramp over the last pixel, in bytes.
    EXPECT_EQ(mask.at(50, 50), 204);  // 0.8
    EXPECT_EQ(mask.at(52, 50), 183);  // t = 0.2: 0.8 * 0.896
    EXPECT_EQ(mask.at(50, 55), 102);  // t = 0.5: 0.8 * 0.5
    EXPECT_EQ(mask.at(42, 50), 21);   // t = 0.8: 0.8 * 0.104
    EXPECT_EQ(mask.at(60, 50), 0);    // the radius
    EXPECT_EQ(mask.at(61, 50), 0);
    EXPECT_EQ(mask.at(58, 56), 0);    // distance 10: 8^2 + 6^2 = 100
    EXPECT_EQ(maxByte(mask), 204);
}

TEST(MaskBrush, HardDabIsAFullDiscWithAnAntiAliasedEdge) {
    MaskImage mask(100, 100);
    dabAt50(mask, brush(9.5f, 1.0f));
    EXPECT_EQ(mask.at(50, 50), 255);
    EXPECT_EQ(mask.at(58, 50), 255);  // d = 8 <= radius - 1
    EXPECT_EQ(mask.at(59, 50), 128);  // d = 9: half a pixel inside the edge
    EXPECT_EQ(mask.at(60, 50), 0);
    EXPECT_EQ(mask.at(56, 56), 255);  // d = 8.49
    EXPECT_EQ(mask.at(57, 56), 72);   // d = 9.22: 0.28 of the last pixel
    EXPECT_EQ(mask.at(57, 57), 0);    // d = 9.90
}

TEST(MaskBrush, MediumHardnessIsFullUpToItsFractionOfTheRadius) {
    MaskImage mask(100, 100);
    dabAt50(mask, brush(10, 0.5f));
    EXPECT_EQ(mask.at(55, 50), 255);  // d = 5 = hardness * radius
    EXPECT_EQ(mask.at(57, 50), 165);  // t = 0.4: 1 - 0.352
    EXPECT_EQ(mask.at(60, 50), 0);
}

TEST(MaskBrush, OpacityCapsCoverageWithinOneStrokeHoweverManyDabsOverlap) {
    MaskImage mask(200, 100);
    BrushSettings b = brush(12, 0.3f, 0.5f);
    b.spacing = 0.02f;  // a dab every 0.5 px
    StrokeRasterizer stroke(mask);
    stroke.begin(b, {20.5f, 50.5f});
    stroke.lineTo({180.5f, 50.5f});
    stroke.lineTo({100.5f, 60.5f});  // back over itself
    EXPECT_GT(stroke.dabCount(), 300);
    stroke.end();
    EXPECT_EQ(mask.at(100, 50), 128);  // 0.5
    EXPECT_EQ(maxByte(mask), 128);

    // A second stroke composites over the first: (128 + 0.25 * 127) / 255.
    b.opacity = 0.25f;
    StrokeRasterizer again(mask);
    again.begin(b, {100.5f, 50.5f});
    again.end();
    EXPECT_EQ(mask.at(100, 50), 160);
}

TEST(MaskBrush, FlowBuildsUpDabByDabTowardsTheOpacity) {
    MaskImage mask(100, 100);
    BrushSettings b = brush(20, 1.0f, 1.0f, 0.25f);
    b.spacing = 0.05f;  // 1 px
    StrokeRasterizer stroke(mask);
    EXPECT_EQ(stroke.begin(b, {50.5f, 50.5f}).empty(), false);
    EXPECT_EQ(mask.at(51, 50), 64);  // 0.25
    stroke.lineTo({52.5f, 50.5f});   // two more dabs, at 51.5 and 52.5
    EXPECT_EQ(stroke.dabCount(), 3);
    EXPECT_EQ(mask.at(51, 50), 147);  // 1 - 0.75^3 = 0.578
    stroke.end();

    MaskImage low(100, 100);
    dabAt50(low, brush(20, 1.0f, 1.0f, 0.1f));
    EXPECT_EQ(low.at(50, 50), 26);  // flow 0.1 alone
}

TEST(MaskBrush, PressureScalesSizeAndOpacityAsMapped) {
    BrushSettings b = brush(10, 1.0f);
    b.pressure.minimumSize = 0.0f;
    MaskImage full(100, 100), half(100, 100);
    dabAt50(full, b, 1.0f);
    dabAt50(half, b, 0.5f);  // radius 5
    EXPECT_EQ(full.at(57, 50), 255);
    EXPECT_EQ(half.at(57, 50), 0);
    EXPECT_EQ(half.at(53, 50), 255);
    EXPECT_EQ(half.paintedBounds(), (PixelRect{46, 46, 9, 9}));

    b.pressure.size = false;
    b.pressure.opacity = true;
    MaskImage light(100, 100);
    dabAt50(light, b, 0.25f);
    EXPECT_EQ(light.at(50, 50), 64);  // 0.25
    EXPECT_EQ(light.paintedBounds(), full.paintedBounds());

    // Pressure is interpolated along a segment: the dabs grow from one end to the other.
    b.pressure = {};
    b.pressure.minimumSize = 0.0f;
    MaskImage taper(200, 100);
    StrokeRasterizer stroke(taper);
    stroke.begin(b, {20.5f, 50.5f, 0.2f});
    stroke.lineTo({180.5f, 50.5f, 1.0f});
    stroke.end();
    const auto heightAt = [&](int x) {
        int n = 0;
        for (int y = 0; y < 100; ++y) n += taper.at(x, y) > 0;
        return n;
    };
    EXPECT_LT(heightAt(30), heightAt(100));
    EXPECT_LT(heightAt(100), heightAt(175));
    EXPECT_EQ(heightAt(180), 19);  // full radius 10 at the end
}

TEST(MaskBrush, EraserRemovesCoverageUpToItsOpacity) {
    MaskImage mask(100, 100);
    fillMask(mask);
    BrushSettings b = brush(10, 1.0f);
    b.erase = true;
    dabAt50(mask, b);
    EXPECT_EQ(mask.at(50, 50), 0);
    EXPECT_EQ(mask.at(70, 50), 255);

    MaskImage half(100, 100);
    fillMask(half);
    b.opacity = 0.5f;
    dabAt50(half, b);
    EXPECT_EQ(half.at(50, 50), 128);  // 1 * (1 - 0.5)

    MaskImage empty(100, 100);
    EXPECT_TRUE(dabAt50(empty, b).empty());  // erasing nothing changes nothing
}

TEST(MaskBrush, DirtyRectanglesBoundExactlyThePixelsChanged) {
    MaskImage mask(100, 100);
    EXPECT_EQ(dabAt50(mask, brush(10, 1.0f)), (PixelRect{41, 41, 19, 19}));
    EXPECT_EQ(mask.paintedBounds(), (PixelRect{41, 41, 19, 19}));

    MaskImage corner(100, 100);
    StrokeRasterizer stroke(corner);
    EXPECT_EQ(stroke.begin(brush(10, 1.0f), {2.5f, 3.5f}), (PixelRect{0, 0, 12, 13}));  // clipped at the edges
    const MaskImage before = corner;
    const PixelRect segment = stroke.lineTo({60.5f, 3.5f});
    EXPECT_EQ(segment, diffBounds(before, corner));
    EXPECT_EQ(segment.right(), 70);  // |x - 60| < 10
    EXPECT_EQ(segment.bottom(), 13);
    const MaskEdit edit = stroke.end();
    EXPECT_EQ(edit.rect, (PixelRect{0, 0, 100, 64}));  // two tiles, the second cut at the edge
    EXPECT_EQ(edit.tiles.size(), 2u);

    PixelRect lineDirty;
    MaskImage lined(300, 300);
    const MaskEdit line = paintLine(lined, brush(4, 1.0f), {10.5f, 10.5f}, {250.5f, 200.5f}, &lineDirty);
    EXPECT_EQ(lineDirty, lined.paintedBounds());
    EXPECT_EQ(lineDirty, (PixelRect{7, 7, 247, 197}));
    EXPECT_EQ(lined.at(130, 105), 255);  // on the line
    EXPECT_EQ(lined.at(130, 150), 0);
    EXPECT_FALSE(line.empty());
}

TEST(MaskBrush, FillClearAndInvertCoverTheWholeMask) {
    MaskImage mask(130, 70);
    MaskEdit e = fillMask(mask, 0.5f);
    EXPECT_EQ(e.rect, mask.bounds());
    EXPECT_EQ(e.tiles.size(), 6u);  // 3 x 2 tiles, the last ones partial
    EXPECT_EQ(mask.at(129, 69), 128);
    invertMask(mask);
    EXPECT_EQ(mask.at(0, 0), 127);
    EXPECT_TRUE(fillMask(mask, 127.0f / 255.0f).empty());  // nothing changed: nothing to undo
    clearMask(mask);
    EXPECT_TRUE(mask.paintedBounds().empty());
}

TEST(MaskBrush, LongStrokeOnA2048MaskTouchesOnlyTheTilesItCrosses) {
    MaskImage mask(2048, 2048);
    StrokeRasterizer stroke(mask);
    BrushSettings b = brush(40, 0.5f, 1.0f, 0.5f);
    stroke.begin(b, {100.5f, 1000.5f});
    for (int i = 1; i <= 200; ++i) stroke.lineTo({100.5f + 9.0f * float(i), 1000.5f + float(i % 7)});
    const MaskEdit edit = stroke.end();
    EXPECT_EQ(mask.paintedBounds().united(edit.rect), edit.rect);
    EXPECT_LE(edit.tiles.size(), 31u * 3u);  // x 60..1940, y 960..1047: at most 31 columns x 3 rows
    EXPECT_GT(stroke.dabCount(), 400);
    EXPECT_EQ(mask.at(1000, 1003), 255);
    EXPECT_EQ(mask.at(1000, 1100), 0);
}

TEST(MaskBrush, PaintMovesPixelsTowardsTheBrushValue) {
    BrushSettings b = brush(10, 1.0f);
    b.value = 0.4f;  // a colour channel of a colour sketch
    MaskImage empty(100, 100), full(100, 100);
    fillMask(full);
    dabAt50(empty, b);
    dabAt50(full, b);
    EXPECT_EQ(empty.at(50, 50), 102);  // 0.4 * 255, over what was there
    EXPECT_EQ(full.at(50, 50), 102);
    EXPECT_EQ(full.at(70, 50), 255);
    b.opacity = 0.5f;
    MaskImage half(100, 100);
    fillMask(half);
    dabAt50(half, b);
    EXPECT_EQ(half.at(50, 50), 179);  // 1 + 0.5 * (0.4 - 1) = 0.7
}

TEST(MaskBrush, FollowerLayersTakeTheStrokesCoverageTowardsTheirOwnValues) {
    MaskImage mask(100, 100), red(100, 100), blue(100, 100), small(50, 50);
    fillMask(blue);
    StrokeRasterizer stroke(mask);
    stroke.setFollowers({{&red, 1.0f}, {&blue, 0.2f}});  // a colour sketch's channels
    const PixelRect dirty = stroke.begin(brush(10, 1.0f), {50.5f, 50.5f, 1.0f});
    MaskStep step = stroke.endLayers();
    EXPECT_EQ(mask.at(50, 50), 255);
    EXPECT_EQ(red.at(50, 50), 255);
    EXPECT_EQ(blue.at(50, 50), 51);  // 0.2 * 255 where the stroke covers
    EXPECT_EQ(blue.at(70, 50), 255);
    EXPECT_EQ(dirty, diffBounds(red, MaskImage(100, 100)));
    ASSERT_EQ(step.size(), 3u);
    EXPECT_FALSE(step[2].empty());

    MaskHistory history;
    history.push(std::move(step));
    history.undo({&mask, &red, &blue});
    EXPECT_EQ(mask, MaskImage(100, 100));
    EXPECT_EQ(red, MaskImage(100, 100));
    EXPECT_EQ(blue, MaskImage(100, 100, 255));
    EXPECT_THROW(stroke.setFollowers({{&small, 1.0f}}), tessera::Error);
}
