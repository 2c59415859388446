#pragma once
// What the mask and sketch canvases paint: the coverage (a mask, or a black/white sketch) and, for
// a colour sketch, the premultiplied red, green and blue of its strokes beside it. One brush paints
// them all in step: each colour channel moves towards the brush colour's value as the coverage
// moves towards 1, so a stroke covers what was under it in its own colour, and the eraser takes
// every channel towards 0. One undo history covers all layers.
#include "core/mask/brush.h"
#include "core/mask/mask_history.h"
#include "core/mask/stroke_rasterizer.h"

#include <QByteArray>
#include <QColor>
#include <QImage>

#include <array>
#include <vector>

namespace tessera::editor {

class PaintLayers {
public:
    PaintLayers();
    ~PaintLayers();
    PaintLayers(const PaintLayers&) = delete;
    PaintLayers& operator=(const PaintLayers&) = delete;

    // Coverage only (a mask or a black/white sketch); the history is cleared.
    void reset(mask::MaskImage coverage);
    // A colour sketch whose strokes are all in `tint` (a black/white sketch opened for colour).
    void resetColour(mask::MaskImage coverage, const QColor& tint);
    // A colour sketch from an image with alpha (alpha = coverage). Throws tessera::Error for a size
    // outside 1..16384.
    void resetColour(const QImage& image);

    bool colour() const { return colour_; }
    const mask::MaskImage& coverage() const { return layers_[0]; }
    int width() const { return layers_[0].width(); }
    int height() const { return layers_[0].height(); }
    // A colour sketch's pixel as premultiplied ARGB (what the canvas shows).
    QRgb premultipliedAt(int x, int y) const;
    // A colour sketch as straight RGBA (Format_RGBA8888), and as the PNG the PaintedSketch node
    // reads (empty if encoding fails), marked as the sketch editor's by a text chunk
    // (kSketchPngKey = kSketchPngValue) so that only such files reopen as sketches.
    static constexpr const char* kSketchPngKey = "Tessera";
    static constexpr const char* kSketchPngValue = "colour sketch";
    QImage colourImage() const;
    QByteArray colourPng() const;

    // The colour of the next strokes and fills of a colour sketch.
    void setBrushColor(const QColor& c);
    QColor brushColor() const;

    mask::PixelRect beginStroke(const mask::BrushSettings& brush, mask::StrokePoint p);
    mask::PixelRect strokeTo(mask::StrokePoint p);
    bool stroking() const { return stroke_.active(); }
    // Ends the stroke as one undo step; the rectangle it changed (empty when nothing changed).
    mask::PixelRect endStroke();
    // A whole straight stroke (Shift+click) as one undo step.
    mask::PixelRect line(const mask::BrushSettings& brush, mask::StrokePoint a, mask::StrokePoint b);
    // Whole-canvas edits, one undo step each; a colour sketch's channels follow in the brush colour.
    mask::PixelRect fill();
    mask::PixelRect clear();
    mask::PixelRect invert();
    // Every stroke of a colour sketch in `c`, keeping its coverage; one undo step.
    mask::PixelRect tint(const QColor& c);

    mask::PixelRect undo();
    mask::PixelRect redo();
    bool canUndo() const { return history_.canUndo(); }
    bool canRedo() const { return history_.canRedo(); }

private:
    size_t layerCount() const { return colour_ ? 4 : 1; }
    std::vector<mask::MaskImage*> layerPointers();
    mask::PixelRect record(mask::MaskStep step);
    mask::MaskStep tintStep(const std::array<float, 3>& rgb);
    mask::PixelRect wholeCanvas(mask::MaskEdit coverageEdit);

    bool colour_ = false;
    std::array<mask::MaskImage, 4> layers_;  // coverage, then premultiplied red, green, blue
    mask::StrokeRasterizer stroke_{layers_[0]};  // the colour channels follow the coverage
    mask::MaskHistory history_;
    std::array<float, 3> brushColor_{1, 1, 1};
};

}  // namespace tessera::editor
