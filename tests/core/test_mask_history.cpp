// Undo/redo of mask strokes and fills: exact bytes restored across many steps, only changed
// tiles stored, a memory budget that drops the oldest steps, and the mask PNG round trip.
#include "core/common/error.h"
#include "core/mask/mask_fill.h"
#include "core/mask/mask_history.h"
#include "core/mask/mask_png.h"
#include "core/mask/stroke_rasterizer.h"

#include <gtest/gtest.h>

#include <random>

using namespace tessera::mask;

namespace {

// A random stroke of a few segments with random brush settings and pressure.
MaskEdit randomStroke(MaskImage& mask, std::mt19937& rng) {
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    BrushSettings b;
    b.radius = 2.0f + 30.0f * unit(rng);
    b.hardness = unit(rng);
    b.opacity = 0.2f + 0.8f * unit(rng);
    b.flow = 0.1f + 0.9f * unit(rng);
    b.erase = unit(rng) < 0.3f;
    b.pressure.opacity = unit(rng) < 0.5f;
    const auto point = [&] {
        return StrokePoint{unit(rng) * float(mask.width()), unit(rng) * float(mask.height()), unit(rng)};
    };
    StrokeRasterizer stroke(mask);
    stroke.begin(b, point());
    for (int i = 0; i < 4; ++i) stroke.lineTo(point());
    return stroke.end();
}

}  // namespace

TEST(MaskHistory, UndoAndRedoRestoreExactBytesAcrossManySteps) {
    std::mt19937 rng(7);
    MaskImage mask(300, 200);
    MaskHistory history;
    std::vector<MaskImage> states{mask};
    for (int i = 0; i < 40; ++i) {
        if (i == 10) history.push(fillMask(mask, 0.3f));
        else if (i == 20) history.push(invertMask(mask));
        else history.push(randomStroke(mask, rng));
        states.push_back(mask);
    }
    ASSERT_EQ(history.undoSteps(), 40u);
    for (int i = 39; i >= 0; --i) {
        EXPECT_FALSE(history.undo(mask).empty());
        ASSERT_EQ(mask, states[size_t(i)]) << "after undoing step " << i;
    }
    EXPECT_FALSE(history.canUndo());
    EXPECT_TRUE(history.undo(mask).empty());
    for (int i = 1; i <= 40; ++i) {
        history.redo(mask);
        ASSERT_EQ(mask, states[size_t(i)]) << "after redoing step " << i;
    }
    EXPECT_FALSE(history.canRedo());

    // A new edit after undoing drops the redo steps.
    history.undo(mask);
    history.undo(mask);
    history.push(randomStroke(mask, rng));
    EXPECT_EQ(history.redoSteps(), 0u);
    EXPECT_EQ(history.undoSteps(), 39u);
    history.undo(mask);
    EXPECT_EQ(mask, states[38]);
}

TEST(MaskHistory, StepsStoreOnlyTheTilesTheyChanged) {
    MaskImage mask(2048, 2048);
    BrushSettings b;
    b.radius = 10;
    const MaskEdit edit = paintLine(mask, b, {100.5f, 100.5f}, {200.5f, 100.5f});
    EXPECT_EQ(edit.tiles.size(), 3u);  // x 91..209, y 91..109: tile columns 1..3 of tile row 1
    EXPECT_LT(edit.byteSize(), 3u * 2u * 64u * 64u + 1024u);
    MaskHistory history;
    history.push(edit);
    EXPECT_EQ(history.bytesUsed(), edit.byteSize());
}

TEST(MaskHistory, MemoryBudgetDropsTheOldestSteps) {
    std::mt19937 rng(3);
    MaskImage mask(1024, 1024);
    const size_t budget = size_t(2) << 20;
    MaskHistory history(budget);
    std::vector<MaskImage> states{mask};
    std::vector<size_t> sizes;
    for (int i = 0; i < 16; ++i) {
        MaskEdit e = randomStroke(mask, rng);
        sizes.push_back(e.byteSize());
        ASSERT_LT(e.byteSize(), budget);
        history.push(std::move(e));
        states.push_back(mask);
        EXPECT_LE(history.bytesUsed(), budget);
    }
    // The newest steps that fit the budget together are the ones kept.
    size_t expectedKept = 0, expectedBytes = 0;
    while (expectedKept < sizes.size() && expectedBytes + sizes[sizes.size() - 1 - expectedKept] <= budget)
        expectedBytes += sizes[sizes.size() - 1 - expectedKept++];
    ASSERT_GT(expectedKept, 1u);
    ASSERT_LT(expectedKept, 16u);
    EXPECT_EQ(history.undoSteps(), expectedKept);
    EXPECT_EQ(history.bytesUsed(), expectedBytes);
    while (history.canUndo()) history.undo(mask);
    EXPECT_EQ(mask, states[16 - expectedKept]);
    EXPECT_NE(mask, states[0]);

    history.setBudget(sizes.back());  // shrinking the budget drops redo steps from the far end first
    EXPECT_EQ(history.redoSteps(), 1u);
    history.redo(mask);
    EXPECT_EQ(mask, states[17 - expectedKept]);

    // A single step larger than the budget is still kept: the last stroke is always undoable.
    MaskImage big(512, 512);
    MaskHistory tiny(1024);
    tiny.push(fillMask(big));
    tiny.push(invertMask(big));
    EXPECT_EQ(tiny.undoSteps(), 1u);
    tiny.undo(big);
    EXPECT_EQ(big.at(10, 10), 255);
}

TEST(MaskHistory, UndoOnAMaskOfAnotherSizeIsAnError) {
    MaskImage mask(100, 100);
    MaskHistory history;
    history.push(fillMask(mask));
    MaskImage other(50, 50);
    try {
        history.undo(other);
        FAIL() << "no error";
    } catch (const tessera::Error& e) {
        EXPECT_NE(std::string(e.what()).find("100x100 mask"), std::string::npos) << e.what();
    }
}

TEST(MaskPng, RoundTripsEveryByteAndRejectsOtherFiles) {
    std::mt19937 rng(11);
    MaskImage mask(123, 77);
    for (int i = 0; i < 10; ++i) randomStroke(mask, rng);
    const std::vector<uint8_t> png = encodeMaskPng(mask);
    ASSERT_GT(png.size(), 50u);
    EXPECT_EQ(decodeMaskPng(png, "m.png"), mask);

    std::vector<uint8_t> truncated(png.begin(), png.begin() + long(png.size() / 2));
    try {
        decodeMaskPng(truncated, "half.png");
        FAIL() << "no error";
    } catch (const tessera::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'half.png'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(decodeMaskPng({'n', 'o', 't'}, "x"), tessera::Error);
}

TEST(MaskHistory, AStepOfSeveralLayersUndoesAndRedoesThemTogether) {
    MaskImage coverage(100, 80), red(100, 80), blue(100, 80);
    MaskHistory history;
    MaskStep step;
    step.push_back(fillMask(coverage));
    step.push_back(fillMask(red, 0.5f));
    step.push_back(MaskEdit{});  // this layer did not change
    history.push(std::move(step));
    history.push(MaskStep{MaskEdit{}, MaskEdit{}});  // nothing changed: no step
    EXPECT_EQ(history.undoSteps(), 1u);
    const std::vector<MaskImage*> layers{&coverage, &red, &blue};
    EXPECT_EQ(history.undo(layers), (PixelRect{0, 0, 100, 80}));
    EXPECT_EQ(coverage, MaskImage(100, 80));
    EXPECT_EQ(red, MaskImage(100, 80));
    history.redo(layers);
    EXPECT_EQ(coverage, MaskImage(100, 80, 255));
    EXPECT_EQ(red, MaskImage(100, 80, 128));
    EXPECT_EQ(blue, MaskImage(100, 80));
    EXPECT_THROW(history.undo(coverage), tessera::Error);  // two layers' step, one layer given
}
