#pragma once
// The mask editor's canvas: shows an image with the inpainting mask over it and paints the mask
// with the mouse or a tablet, through core/mask (StrokeRasterizer, paintLine, MaskHistory).
//   left button: paint (one undo step per stroke); Shift+click: a straight line from the last
//   stroke's end; middle drag (or left drag while spacePan is set: Space held): pan; wheel: zoom at
//   the cursor; tablet pressure drives size/opacity.
// The mask is kept at IMAGE resolution; the view maps image pixels to the item by zoom and pan
// (item = image * zoom + pan). Painting marks a dirty rectangle and the next frame re-uploads only
// the overlay tiles it touches (MaskSceneNode), so many pointer moves cost one upload per frame.
// The sketch editor uses it too: the strokes are the "mask", shown opaque in the line colour over
// the image faded towards `fadeColor` (imageFade), or over a blank canvas (loadBlank). With
// colourLayer set (before loading) the canvas also keeps each stroke's colour (PaintLayers), painted
// in brushColor, shown as painted while showColours is set and saved as an RGBA sketch.
#include "app/editor/paint_layers.h"

#include <QColor>
#include <QImage>
#include <QPointF>
#include <QQuickItem>

class QPointerEvent;

namespace tessera::editor {

class MaskCanvas : public QQuickItem {
    Q_OBJECT
    Q_PROPERTY(int imageWidth READ imageWidth NOTIFY loaded)
    Q_PROPERTY(int imageHeight READ imageHeight NOTIFY loaded)
    Q_PROPERTY(bool modified READ modified NOTIFY modifiedChanged)
    Q_PROPERTY(bool canUndo READ canUndo NOTIFY historyChanged)
    Q_PROPERTY(bool canRedo READ canRedo NOTIFY historyChanged)
    Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)
    Q_PROPERTY(bool colourLayer READ colourLayer WRITE setColourLayer NOTIFY colourChanged)  // read at load
    Q_PROPERTY(bool colourFile READ colourFile NOTIFY loaded)  // the loaded sketch file held colours
    Q_PROPERTY(QColor brushColor READ brushColor WRITE setBrushColor NOTIFY colourChanged)
    Q_PROPERTY(bool showColours READ showColours WRITE setShowColours NOTIFY colourChanged)

    Q_PROPERTY(double brushRadius READ brushRadius WRITE setBrushRadius NOTIFY brushChanged)  // image pixels
    Q_PROPERTY(double brushHardness READ brushHardness WRITE setBrushHardness NOTIFY brushChanged)
    Q_PROPERTY(double brushOpacity READ brushOpacity WRITE setBrushOpacity NOTIFY brushChanged)
    Q_PROPERTY(double brushFlow READ brushFlow WRITE setBrushFlow NOTIFY brushChanged)
    Q_PROPERTY(bool eraser READ eraser WRITE setEraser NOTIFY brushChanged)
    Q_PROPERTY(bool pressureSize READ pressureSize WRITE setPressureSize NOTIFY brushChanged)
    Q_PROPERTY(bool pressureOpacity READ pressureOpacity WRITE setPressureOpacity NOTIFY brushChanged)

    Q_PROPERTY(QColor overlayColor READ overlayColor WRITE setOverlayColor NOTIFY overlayChanged)
    Q_PROPERTY(double overlayOpacity READ overlayOpacity WRITE setOverlayOpacity NOTIFY overlayChanged)
    Q_PROPERTY(bool maskVisible READ maskVisible WRITE setMaskVisible NOTIFY overlayChanged)
    Q_PROPERTY(double imageFade READ imageFade WRITE setImageFade NOTIFY overlayChanged)  // 0: as is, 1: fadeColor
    Q_PROPERTY(QColor fadeColor READ fadeColor WRITE setFadeColor NOTIFY overlayChanged)
    Q_PROPERTY(double zoom READ zoom WRITE setZoom NOTIFY viewChanged)
    Q_PROPERTY(double panX READ panX WRITE setPanX NOTIFY viewChanged)
    Q_PROPERTY(double panY READ panY WRITE setPanY NOTIFY viewChanged)
    Q_PROPERTY(bool spacePan MEMBER spacePan_ NOTIFY spacePanChanged)  // the left button pans

    // The pointer in item coordinates while it is over the canvas (for the brush outline).
    Q_PROPERTY(double cursorX READ cursorX NOTIFY cursorChanged)
    Q_PROPERTY(double cursorY READ cursorY NOTIFY cursorChanged)
    Q_PROPERTY(bool cursorInside READ cursorInside NOTIFY cursorChanged)

public:
    static constexpr double kMinZoom = 0.02, kMaxZoom = 64;

    explicit MaskCanvas(QQuickItem* parent = nullptr);
    ~MaskCanvas() override;

    // Loads an image (path or file URL) and its mask; a mask file that does not exist starts an
    // empty mask of the image's size. On failure (unreadable image, bad PNG, a mask of another
    // size) sets lastError, keeps what was loaded and returns false.
    Q_INVOKABLE bool load(const QString& imagePathOrUrl, const QString& maskPathOrUrl);
    // A canvas of one colour instead of an image: the mask file's size when it exists, else width x height.
    Q_INVOKABLE bool loadBlank(const QColor& color, int width, int height, const QString& maskPathOrUrl);
    // Writes the mask as a greyscale PNG, atomically (the old file stays if writing fails).
    Q_INVOKABLE bool saveMask(const QString& pathOrUrl);
    // Writes a colour sketch (colourLayer) as an RGBA PNG: each stroke's colour, alpha = coverage.
    Q_INVOKABLE bool saveColourSketch(const QString& pathOrUrl);
    // Recolours every stroke of a colour sketch in `color` (one undo step).
    Q_INVOKABLE void tintStrokes(const QColor& color);

    Q_INVOKABLE void fitToView();
    // Zooms by `factor` keeping the image point under item position (x, y) where it is.
    Q_INVOKABLE void zoomAt(double x, double y, double factor);
    Q_INVOKABLE QPointF toImage(double x, double y) const;
    Q_INVOKABLE QPointF fromImage(double x, double y) const;

    Q_INVOKABLE void undo();
    Q_INVOKABLE void redo();
    Q_INVOKABLE void fill();
    Q_INVOKABLE void clear();
    Q_INVOKABLE void invert();

    // For tests: the mask byte at an image pixel (-1 outside), and a hash of the whole mask.
    Q_INVOKABLE int maskValueAt(int x, int y) const;
    Q_INVOKABLE QString maskDigest() const;
    // For tests: a colour sketch's pixel, straight colour with the coverage as alpha.
    Q_INVOKABLE QColor colourAt(int x, int y) const;

    int imageWidth() const { return layers_.width(); }
    int imageHeight() const { return layers_.height(); }
    bool modified() const { return modified_; }
    bool canUndo() const { return layers_.canUndo(); }
    bool canRedo() const { return layers_.canRedo(); }
    QString lastError() const { return lastError_; }
    bool colourLayer() const { return colourLayer_; }
    bool colourFile() const { return colourFile_; }
    QColor brushColor() const { return brushColor_; }
    bool showColours() const { return showColours_; }
    void setColourLayer(bool v);
    void setBrushColor(const QColor& c);
    void setShowColours(bool v);

    double brushRadius() const { return brush_.radius; }
    double brushHardness() const { return brush_.hardness; }
    double brushOpacity() const { return brush_.opacity; }
    double brushFlow() const { return brush_.flow; }
    bool eraser() const { return brush_.erase; }
    bool pressureSize() const { return brush_.pressure.size; }
    bool pressureOpacity() const { return brush_.pressure.opacity; }
    void setBrushRadius(double v);
    void setBrushHardness(double v);
    void setBrushOpacity(double v);
    void setBrushFlow(double v);
    void setEraser(bool v);
    void setPressureSize(bool v);
    void setPressureOpacity(bool v);

    QColor overlayColor() const { return overlayColor_; }
    double overlayOpacity() const { return overlayOpacity_; }
    bool maskVisible() const { return maskVisible_; }
    void setOverlayColor(const QColor& c);
    void setOverlayOpacity(double v);
    void setMaskVisible(bool v);
    double imageFade() const { return imageFade_; }
    QColor fadeColor() const { return fadeColor_; }
    void setImageFade(double v);
    void setFadeColor(const QColor& c);

    double zoom() const { return zoom_; }
    double panX() const { return panX_; }
    double panY() const { return panY_; }
    void setZoom(double v);
    void setPanX(double v);
    void setPanY(double v);

    double cursorX() const { return cursor_.x(); }
    double cursorY() const { return cursor_.y(); }
    bool cursorInside() const { return cursorInside_; }

Q_SIGNALS:
    void loaded();
    void modifiedChanged();
    void historyChanged();
    void lastErrorChanged();
    void brushChanged();
    void overlayChanged();
    void viewChanged();
    void cursorChanged();
    void spacePanChanged();
    void colourChanged();

protected:
    QSGNode* updatePaintNode(QSGNode* old, UpdatePaintNodeData*) override;
    void geometryChange(const QRectF& newGeometry, const QRectF& oldGeometry) override;
    bool event(QEvent* e) override;  // tablet events
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseUngrabEvent() override;
    void hoverEnterEvent(QHoverEvent* e) override;
    void hoverMoveEvent(QHoverEvent* e) override;
    void hoverLeaveEvent(QHoverEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;

private:
    bool adopt(const QImage& image, const QString& imageName, const QString& maskPath);
    bool writeFile(const QString& path, const QByteArray& bytes);
    void applyImageFade();  // image_ = sourceImage_ faded
    void press(QPointF pos, float pressure, bool shift);
    void move(QPointF pos, float pressure);
    void release();
    mask::StrokePoint strokePoint(QPointF pos, float pressure) const;
    void finishStroke();
    void edited(const mask::PixelRect& r);  // after a step was recorded, undone or redone
    void markDirty(const mask::PixelRect& r);
    void setCursor(QPointF pos, bool inside);
    void setError(const QString& message);
    void setModified(bool v);

    QImage sourceImage_;
    QImage image_;  // what is shown: sourceImage_ faded by imageFade_
    double imageFade_ = 0;
    QColor fadeColor_{Qt::white};
    PaintLayers layers_;  // the mask, or the sketch's coverage and colours
    mask::BrushSettings brush_;
    mask::StrokePoint lastPoint_;  // where the last stroke ended (Shift+click lines start there)
    bool hasLastPoint_ = false;
    bool painting_ = false;
    bool panning_ = false;
    bool spacePan_ = false;
    QPointF panStart_, panOrigin_;

    mask::PixelRect dirty_;     // overlay pixels to re-upload at the next frame
    bool imageChanged_ = false;
    bool overlayRebuild_ = false;
    bool fitPending_ = false;

    bool modified_ = false;
    QString lastError_;
    bool colourLayer_ = false, colourFile_ = false, showColours_ = false;
    QColor brushColor_{Qt::white};
    QColor overlayColor_{255, 64, 64};
    double overlayOpacity_ = 0.5;
    bool maskVisible_ = true;
    double zoom_ = 1, panX_ = 0, panY_ = 0;
    QPointF cursor_;
    bool cursorInside_ = false;
};

}  // namespace tessera::editor
