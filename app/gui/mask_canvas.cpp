#include "app/gui/mask_canvas.h"

#include "app/gui/mask_scene_node.h"
#include "core/common/error.h"
#include "core/mask/mask_fill.h"
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
    try {
        if (!maskPath.isEmpty() && QFileInfo::exists(maskPath)) {
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

    stroke_.reset();  // it refers to the mask being replaced
    painting_ = panning_ = false;
    sourceImage_ = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    applyImageFade();
    mask_ = std::move(mask);
    stroke_ = std::make_unique<mask::StrokeRasterizer>(mask_);
    history_.clear();
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
    const QString path = localPath(pathOrUrl);
    if (mask_.width() == 0) {
        setError(tr("No mask to save: load an image first"));
        return false;
    }
    finishStroke();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    const std::vector<uint8_t> png = mask::encodeMaskPng(mask_);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(reinterpret_cast<const char*>(png.data()), qint64(png.size())) != qint64(png.size()) ||
        !file.commit()) {
        setError(tr("Cannot write the mask %1: %2").arg(path, file.errorString()));
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

void MaskCanvas::pushEdit(mask::MaskEdit edit) {
    if (edit.empty()) return;
    markDirty(edit.rect);
    history_.push(std::move(edit));
    setModified(true);
    Q_EMIT historyChanged();
}

void MaskCanvas::finishStroke() {
    if (!painting_) return;
    painting_ = false;
    if (stroke_ && stroke_->active()) pushEdit(stroke_->end());
}

void MaskCanvas::undo() { stepHistory(&mask::MaskHistory::undo); }
void MaskCanvas::redo() { stepHistory(&mask::MaskHistory::redo); }

void MaskCanvas::stepHistory(mask::PixelRect (mask::MaskHistory::*step)(mask::MaskImage&)) {
    finishStroke();
    const mask::PixelRect r = (history_.*step)(mask_);
    if (r.empty()) return;
    markDirty(r);
    setModified(true);
    Q_EMIT historyChanged();
}

void MaskCanvas::fill() {
    finishStroke();
    if (mask_.width()) pushEdit(mask::fillMask(mask_));
}

void MaskCanvas::clear() {
    finishStroke();
    if (mask_.width()) pushEdit(mask::clearMask(mask_));
}

void MaskCanvas::invert() {
    finishStroke();
    if (mask_.width()) pushEdit(mask::invertMask(mask_));
}

int MaskCanvas::maskValueAt(int x, int y) const {
    return mask_.bounds().contains(x, y) ? int(mask_.at(x, y)) : -1;
}

QString MaskCanvas::maskDigest() const {
    const auto& bytes = mask_.bytes();
    return QCryptographicHash::hash(QByteArrayView(bytes.data(), qsizetype(bytes.size())), QCryptographicHash::Sha1)
        .toHex();
}

// ---- painting input ----

mask::StrokePoint MaskCanvas::strokePoint(QPointF pos, float pressure) const {
    const QPointF p = toImage(pos.x(), pos.y());
    return {float(p.x()), float(p.y()), pressure};
}

void MaskCanvas::press(QPointF pos, float pressure, bool shift) {
    if (!stroke_) return;
    finishStroke();
    const mask::StrokePoint p = strokePoint(pos, pressure);
    if (shift && hasLastPoint_) {
        mask::PixelRect dirty;
        pushEdit(mask::paintLine(mask_, brush_, lastPoint_, p, &dirty));
        markDirty(dirty);
    } else {
        markDirty(stroke_->begin(brush_, p));
        painting_ = true;
    }
    lastPoint_ = p;
    hasLastPoint_ = true;
}

void MaskCanvas::move(QPointF pos, float pressure) {
    if (!painting_) return;
    lastPoint_ = strokePoint(pos, pressure);
    markDirty(stroke_->lineTo(lastPoint_));
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
    if (mask_.width() == 0 || width() <= 0 || height() <= 0) return;
    fitPending_ = false;
    const double z = std::clamp(0.95 * std::min(width() / mask_.width(), height() / mask_.height()), kMinZoom, 8.0);
    zoom_ = z;
    panX_ = (width() - mask_.width() * z) / 2;
    panY_ = (height() - mask_.height() * z) / 2;
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
    if (mask_.width() == 0) {
        delete node;
        return nullptr;
    }
    if (!node) {
        node = new MaskSceneNode;
        imageChanged_ = overlayRebuild_ = true;
    }
    if (imageChanged_) node->setImage(window(), image_);
    if (overlayRebuild_) node->setOverlayColor(overlayColor_);
    node->updateOverlay(window(), mask_, dirty_, overlayRebuild_);
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
void MaskCanvas::setMaskVisible(bool v) {
    if (!assign(maskVisible_, v)) return;
    Q_EMIT overlayChanged();
    update();
}

}  // namespace tessera::editor
