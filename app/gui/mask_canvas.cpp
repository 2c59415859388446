#include "app/gui/mask_canvas.h"

#include "app/gui/mask_scene_node.h"
#include "core/common/error.h"
#include "core/mask/mask_png.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QPainter>
#include <QQuickWindow>
#include <QSaveFile>
#include <QTabletEvent>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace tessera::editor {

namespace {

QString localPath(const QString& pathOrUrl) {
    const QUrl url(pathOrUrl);
    return url.isLocalFile() ? url.toLocalFile() : pathOrUrl;
}

// A mouse reports no pressure; a stylus whose events arrive as mouse events still does.
float pressureOf(const QPointerEvent* e) {
    const auto type = e->pointingDevice() ? e->pointingDevice()->type() : QInputDevice::DeviceType::Mouse;
    const bool stylus = type == QInputDevice::DeviceType::Stylus || type == QInputDevice::DeviceType::Airbrush;
    if (!stylus || e->points().isEmpty()) return 1.0f;
    return float(std::clamp(e->points().first().pressure(), 0.0, 1.0));
}

}  // namespace

MaskCanvas::MaskCanvas(QQuickItem* parent) : QQuickItem(parent) {
    setFlag(ItemHasContents, true);
    setAcceptedMouseButtons(Qt::LeftButton | Qt::MiddleButton);
    setAcceptHoverEvents(true);
    setAcceptTouchEvents(false);
}

MaskCanvas::~MaskCanvas() = default;

// ---- files ----

bool MaskCanvas::load(const QString& imagePathOrUrl, const QString& maskPathOrUrl) {
    const QString imagePath = localPath(imagePathOrUrl);
    QImageReader reader(imagePath);
    reader.setAutoTransform(true);  // JPEG EXIF orientation, as LoadImage (OpenCV) applies it
    QImage image = reader.read();
    if (image.isNull()) {
        setError(tr("Cannot read the image %1: %2").arg(imagePath, reader.errorString()));
        return false;
    }
    return adopt(image, imagePath, localPath(maskPathOrUrl));
}

bool MaskCanvas::loadBlank(const QColor& color, int width, int height, const QString& maskPathOrUrl) {
    const QString maskPath = localPath(maskPathOrUrl);
    if (!maskPath.isEmpty() && QFileInfo::exists(maskPath)) {  // the blank takes the painted file's size
        const QSize size = QImageReader(maskPath).size();
        if (size.isValid()) width = size.width(), height = size.height();
    }
    if (width < 1 || height < 1 || width > 16384 || height > 16384) {
        setError(tr("Cannot make a blank %1x%2 canvas: each side must be 1 to 16384 pixels").arg(width).arg(height));
        return false;
    }
    QImage blank(width, height, QImage::Format_ARGB32_Premultiplied);
    blank.fill(color);
    return adopt(blank, tr("the blank canvas"), maskPath);
}

bool MaskCanvas::adopt(const QImage& image, const QString& imageName, const QString& maskPath) {
    mask::MaskImage mask;
    QImage colours;  // a colour sketch file (colourLayer only)
    try {
        if (colourLayer_ && !maskPath.isEmpty() && QFileInfo::exists(maskPath) &&
            QImage::toPixelFormat(QImageReader(maskPath).imageFormat()).alphaUsage() == QPixelFormat::UsesAlpha) {
            QImageReader reader(maskPath);
            colours = reader.read();
            if (colours.isNull()) {
                setError(tr("Cannot read the sketch %1: %2").arg(maskPath, reader.errorString()));
                return false;
            }
            if (colours.size() != image.size()) {
                setError(tr("The sketch %1 is %2x%3 pixels but the image %4 is %5x%6; draw a new sketch")
                             .arg(maskPath)
                             .arg(colours.width())
                             .arg(colours.height())
                             .arg(imageName)
                             .arg(image.width())
                             .arg(image.height()));
                return false;
            }
        } else if (!maskPath.isEmpty() && QFileInfo::exists(maskPath)) {
            QFile file(maskPath);
            if (!file.open(QIODevice::ReadOnly)) {
                setError(tr("Cannot open the mask %1: %2").arg(maskPath, file.errorString()));
                return false;
            }
            const QByteArray bytes = file.readAll();
            mask = mask::decodeMaskPng(std::vector<uint8_t>(bytes.begin(), bytes.end()), maskPath.toStdString());
            if (mask.width() != image.width() || mask.height() != image.height()) {
                setError(tr("The mask %1 is %2x%3 pixels but the image %4 is %5x%6; paint a new mask or pick "
                            "the mask made for this image")
                             .arg(maskPath)
                             .arg(mask.width())
                             .arg(mask.height())
                             .arg(imageName)
                             .arg(image.width())
                             .arg(image.height()));
                return false;
            }
        } else {
            mask = mask::MaskImage(image.width(), image.height());
        }
    } catch (const std::exception& e) {
        setError(QString::fromStdString(e.what()));
        return false;
    }

    painting_ = panning_ = false;
    sourceImage_ = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    applyImageFade();
    colourFile_ = !colours.isNull();
    if (colourFile_)
        layers_.resetColour(colours);
    else if (colourLayer_)
        layers_.resetColour(std::move(mask), brushColor_);
    else
        layers_.reset(std::move(mask));
    hasLastPoint_ = false;
    dirty_ = {};
    imageChanged_ = overlayRebuild_ = true;
    setError({});
    setModified(false);
    Q_EMIT loaded();
    Q_EMIT historyChanged();
    fitPending_ = true;
    fitToView();
    update();
    return true;
}

void MaskCanvas::applyImageFade() {
    image_ = sourceImage_;
    if (imageFade_ <= 0 || image_.isNull()) return;
    QImage faded(sourceImage_.size(), QImage::Format_ARGB32_Premultiplied);
    faded.fill(fadeColor_);
    QPainter painter(&faded);
    painter.setOpacity(1 - imageFade_);
    painter.drawImage(0, 0, sourceImage_);
    painter.end();
    image_ = faded;
}

bool MaskCanvas::saveMask(const QString& pathOrUrl) {
    if (layers_.width() == 0) {
        setError(tr("No mask to save: load an image first"));
        return false;
    }
    finishStroke();
    const std::vector<uint8_t> png = mask::encodeMaskPng(layers_.coverage());
    return writeFile(localPath(pathOrUrl), QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size())));
}

bool MaskCanvas::saveColourSketch(const QString& pathOrUrl) {
    if (!layers_.colour()) {
        setError(tr("No colour sketch to save: the canvas keeps no colours (load with colourLayer set)"));
        return false;
    }
    finishStroke();
    const QByteArray png = layers_.colourPng();
    if (png.isEmpty()) {
        setError(tr("Cannot encode the sketch as PNG"));
        return false;
    }
    return writeFile(localPath(pathOrUrl), png);
}

// Atomically: the old file stays if writing fails.
bool MaskCanvas::writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        setError(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    setError({});
    setModified(false);
    return true;
}

// ---- edits ----

void MaskCanvas::markDirty(const mask::PixelRect& r) {
    if (r.empty()) return;
    dirty_ = dirty_.united(r);
    update();
}

void MaskCanvas::edited(const mask::PixelRect& r) {
    if (r.empty()) return;
    markDirty(r);
    setModified(true);
    Q_EMIT historyChanged();
}

void MaskCanvas::finishStroke() {
    if (!painting_) return;
    painting_ = false;
    edited(layers_.endStroke());
}

void MaskCanvas::undo() {
    finishStroke();
    edited(layers_.undo());
}

void MaskCanvas::redo() {
    finishStroke();
    edited(layers_.redo());
}

void MaskCanvas::fill() {
    finishStroke();
    edited(layers_.fill());
}

void MaskCanvas::clear() {
    finishStroke();
    edited(layers_.clear());
}

void MaskCanvas::invert() {
    finishStroke();
    edited(layers_.invert());
}

void MaskCanvas::tintStrokes(const QColor& color) {
    finishStroke();
    edited(layers_.tint(color));
}

int MaskCanvas::maskValueAt(int x, int y) const {
    return layers_.coverage().bounds().contains(x, y) ? int(layers_.coverage().at(x, y)) : -1;
}

QColor MaskCanvas::colourAt(int x, int y) const {
    if (!layers_.colour() || !layers_.coverage().bounds().contains(x, y)) return {};
    return QColor::fromRgba(qUnpremultiply(layers_.premultipliedAt(x, y)));
}

QString MaskCanvas::maskDigest() const {
    const auto& bytes = layers_.coverage().bytes();
    return QCryptographicHash::hash(QByteArrayView(bytes.data(), qsizetype(bytes.size())), QCryptographicHash::Sha1)
        .toHex();
}

// ---- painting input ----

mask::StrokePoint MaskCanvas::strokePoint(QPointF pos, float pressure) const {
    const QPointF p = toImage(pos.x(), pos.y());
    return {float(p.x()), float(p.y()), pressure};
}

void MaskCanvas::press(QPointF pos, float pressure, bool shift) {
    if (layers_.width() == 0) return;
    finishStroke();
    const mask::StrokePoint p = strokePoint(pos, pressure);
    if (shift && hasLastPoint_) {
        edited(layers_.line(brush_, lastPoint_, p));
    } else {
        markDirty(layers_.beginStroke(brush_, p));
        painting_ = true;
    }
    lastPoint_ = p;
    hasLastPoint_ = true;
}

void MaskCanvas::move(QPointF pos, float pressure) {
    if (!painting_) return;
    lastPoint_ = strokePoint(pos, pressure);
    markDirty(layers_.strokeTo(lastPoint_));
}

void MaskCanvas::release() { finishStroke(); }

void MaskCanvas::mousePressEvent(QMouseEvent* e) {
    forceActiveFocus(Qt::MouseFocusReason);
    setCursor(e->position(), true);
    if (e->button() == Qt::MiddleButton || (e->button() == Qt::LeftButton && spacePan_)) {
        panning_ = true;
        panStart_ = e->position();
        panOrigin_ = {panX_, panY_};
    } else if (e->button() == Qt::LeftButton) {
        press(e->position(), pressureOf(e), e->modifiers() & Qt::ShiftModifier);
    }
    e->accept();
}

void MaskCanvas::mouseMoveEvent(QMouseEvent* e) {
    setCursor(e->position(), true);
    if (panning_) {
        setPanX(panOrigin_.x() + e->position().x() - panStart_.x());
        setPanY(panOrigin_.y() + e->position().y() - panStart_.y());
    } else {
        move(e->position(), pressureOf(e));
    }
}

void MaskCanvas::mouseReleaseEvent(QMouseEvent* e) {
    if (panning_) {
        panning_ = false;
        return;
    }
    if (e->button() == Qt::LeftButton) release();
}

void MaskCanvas::mouseUngrabEvent() {
    panning_ = false;
    release();
}

bool MaskCanvas::event(QEvent* e) {
    switch (e->type()) {
    case QEvent::TabletPress:
    case QEvent::TabletMove:
    case QEvent::TabletRelease: {
        auto* t = static_cast<QTabletEvent*>(e);
        const float pressure = float(std::clamp(t->pressure(), 0.0, 1.0));
        setCursor(t->position(), true);
        if (e->type() == QEvent::TabletPress && t->button() == Qt::LeftButton)
            press(t->position(), pressure, t->modifiers() & Qt::ShiftModifier);
        else if (e->type() == QEvent::TabletMove)
            move(t->position(), pressure);
        else if (e->type() == QEvent::TabletRelease && t->button() == Qt::LeftButton)
            release();
        else
            return QQuickItem::event(e);  // other buttons: let the synthesised mouse event pan
        e->accept();
        return true;
    }
    default:
        return QQuickItem::event(e);
    }
}

void MaskCanvas::hoverEnterEvent(QHoverEvent* e) { setCursor(e->position(), true); }
void MaskCanvas::hoverMoveEvent(QHoverEvent* e) { setCursor(e->position(), true); }
void MaskCanvas::hoverLeaveEvent(QHoverEvent* e) { setCursor(e->position(), false); }

void MaskCanvas::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (steps != 0) zoomAt(e->position().x(), e->position().y(), std::pow(1.2, steps));
    e->accept();
}

void MaskCanvas::setCursor(QPointF pos, bool inside) {
    if (pos == cursor_ && inside == cursorInside_) return;
    cursor_ = pos;
    cursorInside_ = inside;
    Q_EMIT cursorChanged();
}

// ---- view ----

QPointF MaskCanvas::toImage(double x, double y) const { return {(x - panX_) / zoom_, (y - panY_) / zoom_}; }
QPointF MaskCanvas::fromImage(double x, double y) const { return {x * zoom_ + panX_, y * zoom_ + panY_}; }

void MaskCanvas::fitToView() {
    const int w = layers_.width(), h = layers_.height();
    if (w == 0 || width() <= 0 || height() <= 0) return;
    fitPending_ = false;
    const double z = std::clamp(0.95 * std::min(width() / w, height() / h), kMinZoom, 8.0);
    zoom_ = z;
    panX_ = (width() - w * z) / 2;
    panY_ = (height() - h * z) / 2;
    Q_EMIT viewChanged();
    update();
}

void MaskCanvas::zoomAt(double x, double y, double factor) {
    const QPointF anchor = toImage(x, y);
    const double z = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom);
    if (z == zoom_) return;
    zoom_ = z;
    panX_ = x - anchor.x() * z;
    panY_ = y - anchor.y() * z;
    Q_EMIT viewChanged();
    update();
}

void MaskCanvas::setZoom(double v) {
    v = std::clamp(v, kMinZoom, kMaxZoom);
    if (v == zoom_) return;
    zoom_ = v;
    Q_EMIT viewChanged();
    update();
}

void MaskCanvas::setPanX(double v) {
    if (v == panX_) return;
    panX_ = v;
    Q_EMIT viewChanged();
    update();
}

void MaskCanvas::setPanY(double v) {
    if (v == panY_) return;
    panY_ = v;
    Q_EMIT viewChanged();
    update();
}

void MaskCanvas::geometryChange(const QRectF& newGeometry, const QRectF& oldGeometry) {
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    if (fitPending_) fitToView();
}

QSGNode* MaskCanvas::updatePaintNode(QSGNode* old, UpdatePaintNodeData*) {
    auto* node = static_cast<MaskSceneNode*>(old);
    if (layers_.width() == 0) {
        delete node;
        return nullptr;
    }
    if (!node) {
        node = new MaskSceneNode;
        imageChanged_ = overlayRebuild_ = true;
    }
    if (imageChanged_) node->setImage(window(), image_);
    if (overlayRebuild_) node->setOverlayColor(overlayColor_);
    node->updateOverlay(window(), layers_, showColours_ && layers_.colour(), dirty_, overlayRebuild_);
    node->setOverlay(overlayOpacity_, maskVisible_);
    node->setView(zoom_, panX_, panY_);
    imageChanged_ = overlayRebuild_ = false;
    dirty_ = {};
    return node;
}

// ---- properties ----

void MaskCanvas::setError(const QString& message) {
    if (message == lastError_) return;
    lastError_ = message;
    Q_EMIT lastErrorChanged();
}

void MaskCanvas::setModified(bool v) {
    if (v == modified_) return;
    modified_ = v;
    Q_EMIT modifiedChanged();
}

namespace {
template <class T>
bool assign(T& field, T value) {
    if (field == value) return false;
    field = value;
    return true;
}
}  // namespace

void MaskCanvas::setBrushRadius(double v) {
    if (assign(brush_.radius, float(std::clamp(v, 0.5, 2048.0)))) Q_EMIT brushChanged();
}
void MaskCanvas::setBrushHardness(double v) {
    if (assign(brush_.hardness, float(std::clamp(v, 0.0, 1.0)))) Q_EMIT brushChanged();
}
void MaskCanvas::setBrushOpacity(double v) {
    if (assign(brush_.opacity, float(std::clamp(v, 0.0, 1.0)))) Q_EMIT brushChanged();
}
void MaskCanvas::setBrushFlow(double v) {
    if (assign(brush_.flow, float(std::clamp(v, 0.01, 1.0)))) Q_EMIT brushChanged();
}
void MaskCanvas::setEraser(bool v) {
    if (assign(brush_.erase, v)) Q_EMIT brushChanged();
}
void MaskCanvas::setPressureSize(bool v) {
    if (assign(brush_.pressure.size, v)) Q_EMIT brushChanged();
}
void MaskCanvas::setPressureOpacity(bool v) {
    if (assign(brush_.pressure.opacity, v)) Q_EMIT brushChanged();
}

void MaskCanvas::setOverlayColor(const QColor& c) {
    if (!assign(overlayColor_, c)) return;
    overlayRebuild_ = true;
    Q_EMIT overlayChanged();
    update();
}
void MaskCanvas::setOverlayOpacity(double v) {
    if (!assign(overlayOpacity_, std::clamp(v, 0.0, 1.0))) return;
    Q_EMIT overlayChanged();
    update();
}
void MaskCanvas::setImageFade(double v) {
    if (!assign(imageFade_, std::clamp(v, 0.0, 1.0))) return;
    applyImageFade();
    imageChanged_ = true;
    Q_EMIT overlayChanged();
    update();
}
void MaskCanvas::setFadeColor(const QColor& c) {
    if (!assign(fadeColor_, c)) return;
    applyImageFade();
    imageChanged_ = true;
    Q_EMIT overlayChanged();
    update();
}
void MaskCanvas::setColourLayer(bool v) {
    if (assign(colourLayer_, v)) Q_EMIT colourChanged();
}
void MaskCanvas::setBrushColor(const QColor& c) {
    if (!assign(brushColor_, c)) return;
    layers_.setBrushColor(c);
    Q_EMIT colourChanged();
}
void MaskCanvas::setShowColours(bool v) {
    if (!assign(showColours_, v)) return;
    overlayRebuild_ = true;
    Q_EMIT colourChanged();
    update();
}
void MaskCanvas::setMaskVisible(bool v) {
    if (!assign(maskVisible_, v)) return;
    Q_EMIT overlayChanged();
    update();
}

}  // namespace tessera::editor
