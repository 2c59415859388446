#include "app/editor/paint_layers.h"

#include "core/mask/mask_fill.h"

#include <QBuffer>

namespace tessera::editor {

namespace {

std::array<float, 3> paintRgbOf(const QColor& c) {
    const QColor rgb = c.toRgb();
    return {float(rgb.red()) / 255.0f, float(rgb.green()) / 255.0f, float(rgb.blue()) / 255.0f};
}

mask::PixelRect paintRectOf(const mask::MaskStep& step) {
    mask::PixelRect r;
    for (const auto& edit : step) r = r.united(edit.rect);
    return r;
}

}  // namespace

PaintLayers::PaintLayers() = default;

PaintLayers::~PaintLayers() = default;

void PaintLayers::reset(mask::MaskImage coverage) {
    if (stroke_.active()) stroke_.end();  // before the layers it reads change size
    layers_[0] = std::move(coverage);
    for (size_t i = 1; i < layers_.size(); ++i) layers_[i] = {};
    colour_ = false;
    history_.clear();
}

void PaintLayers::resetColour(mask::MaskImage coverage, const QColor& tint) {
    reset(std::move(coverage));
    colour_ = true;
    const auto rgb = paintRgbOf(tint);
    for (size_t k = 0; k < 3; ++k) {
        mask::MaskImage& channel = layers_[k + 1];
        channel = mask::MaskImage(width(), height());
        for (int y = 0; y < height(); ++y)
            for (int x = 0; x < width(); ++x) channel.at(x, y) = mask::coverageByte(rgb[k] * layers_[0].coverage(x, y));
    }
}

void PaintLayers::resetColour(const QImage& image) {
    const QImage premultiplied = image.convertToFormat(QImage::Format_RGBA8888_Premultiplied);
    mask::MaskImage coverage(premultiplied.width(), premultiplied.height());
    std::array<mask::MaskImage, 3> channels;
    for (auto& c : channels) c = mask::MaskImage(premultiplied.width(), premultiplied.height());
    for (int y = 0; y < premultiplied.height(); ++y) {
        const uchar* px = premultiplied.constScanLine(y);
        for (int x = 0; x < premultiplied.width(); ++x, px += 4) {
            for (size_t k = 0; k < 3; ++k) channels[k].at(x, y) = px[k];
            coverage.at(x, y) = px[3];
        }
    }
    reset(std::move(coverage));
    colour_ = true;
    for (size_t k = 0; k < 3; ++k) layers_[k + 1] = std::move(channels[k]);
}

QRgb PaintLayers::premultipliedAt(int x, int y) const {
    if (!colour_) return qRgba(0, 0, 0, layers_[0].at(x, y));
    return qRgba(layers_[1].at(x, y), layers_[2].at(x, y), layers_[3].at(x, y), layers_[0].at(x, y));
}

QImage PaintLayers::colourImage() const {
    QImage image(width(), height(), QImage::Format_RGBA8888_Premultiplied);
    for (int y = 0; y < height(); ++y) {
        uchar* px = image.scanLine(y);
        for (int x = 0; x < width(); ++x, px += 4) {
            for (size_t k = 0; k < 3; ++k) px[k] = colour_ ? layers_[k + 1].at(x, y) : layers_[0].at(x, y);
            px[3] = layers_[0].at(x, y);
        }
    }
    return image.convertToFormat(QImage::Format_RGBA8888);
}

QByteArray PaintLayers::colourPng() const {
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    QImage image = colourImage();
    image.setText(kSketchPngKey, kSketchPngValue);
    return image.save(&buffer, "PNG") ? png : QByteArray();
}

void PaintLayers::setBrushColor(const QColor& c) { brushColor_ = paintRgbOf(c); }

QColor PaintLayers::brushColor() const { return QColor::fromRgbF(brushColor_[0], brushColor_[1], brushColor_[2]); }

std::vector<mask::MaskImage*> PaintLayers::layerPointers() {
    std::vector<mask::MaskImage*> layers;
    for (size_t i = 0; i < layerCount(); ++i) layers.push_back(&layers_[i]);
    return layers;
}

mask::PixelRect PaintLayers::record(mask::MaskStep step) {
    const mask::PixelRect r = paintRectOf(step);
    history_.push(std::move(step));
    return r;
}

mask::PixelRect PaintLayers::beginStroke(const mask::BrushSettings& brush, mask::StrokePoint p) {
    endStroke();
    std::vector<mask::FollowerLayer> followers;
    if (colour_)
        for (size_t k = 0; k < 3; ++k) followers.push_back({&layers_[k + 1], brushColor_[k]});
    stroke_.setFollowers(std::move(followers));
    return stroke_.begin(brush, p);
}

mask::PixelRect PaintLayers::strokeTo(mask::StrokePoint p) { return stroke_.lineTo(p); }

mask::PixelRect PaintLayers::endStroke() {
    if (!stroking()) return {};
    return record(stroke_.endLayers());
}

mask::PixelRect PaintLayers::line(const mask::BrushSettings& brush, mask::StrokePoint a, mask::StrokePoint b) {
    beginStroke(brush, a);
    strokeTo(b);
    return endStroke();
}

mask::MaskStep PaintLayers::tintStep(const std::array<float, 3>& rgb) {
    mask::MaskStep step(1);  // the coverage stays
    for (size_t k = 0; k < 3; ++k)
        step.push_back(mask::editEveryTile(layers_[k + 1], [&](std::vector<uint8_t>& px, const mask::PixelRect& r) {
            for (int y = 0; y < r.height; ++y)
                for (int x = 0; x < r.width; ++x)
                    px[size_t(y) * size_t(r.width) + size_t(x)] = mask::coverageByte(rgb[k] * layers_[0].coverage(r.x + x, r.y + y));
        }));
    return step;
}

mask::PixelRect PaintLayers::wholeCanvas(mask::MaskEdit coverageEdit) {
    if (!colour_) return record(mask::MaskStep{std::move(coverageEdit)});
    mask::MaskStep step = tintStep(brushColor_);
    step[0] = std::move(coverageEdit);
    return record(std::move(step));
}

mask::PixelRect PaintLayers::fill() {
    endStroke();
    return width() ? wholeCanvas(mask::fillMask(layers_[0])) : mask::PixelRect{};
}

mask::PixelRect PaintLayers::clear() {
    endStroke();
    return width() ? wholeCanvas(mask::clearMask(layers_[0])) : mask::PixelRect{};
}

mask::PixelRect PaintLayers::invert() {
    endStroke();
    return width() ? wholeCanvas(mask::invertMask(layers_[0])) : mask::PixelRect{};
}

mask::PixelRect PaintLayers::tint(const QColor& c) {
    endStroke();
    return colour_ && width() ? record(tintStep(paintRgbOf(c))) : mask::PixelRect{};
}

mask::PixelRect PaintLayers::undo() {
    endStroke();
    return history_.undo(layerPointers());
}

mask::PixelRect PaintLayers::redo() {
    endStroke();
    return history_.redo(layerPointers());
}

}  // namespace tessera::editor
