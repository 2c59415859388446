#pragma once
// Node titles for NodeLodLayer as cached images: each distinct (title, width) is rendered once
// with QPainter on the GUI thread (TitleImages) and uploaded once as a texture; the scene graph
// then shows every title as a textured quad (TitleLabelsNode). Small images share Qt's texture
// atlas, so all titles draw in a few batches instead of one text layout per node.
#include <QColor>
#include <QFont>
#include <QHash>
#include <QImage>
#include <QRectF>
#include <QSGNode>
#include <QString>

#include <memory>
#include <vector>

class QQuickWindow;
class QSGTexture;

namespace tessera::editor {

struct TitleLabel {
    QString key;   // TitleImages' key of the image
    QRectF target; // where it goes, in the layer's coordinates
};

class TitleImages {
public:
    // Images are drawn at `scale` pixels per canvas unit (titles are only shown zoomed out).
    static constexpr double kScale = 0.5;
    // The key of `title` elided to `width` canvas units (rendered now if new), and its size in canvas units.
    QString labelFor(const QString& title, double width, QSizeF* size);
    const QImage* image(const QString& key) const;
    void setColor(const QColor& color);

private:
    QHash<QString, QImage> images_;
    QColor color_{Qt::white};
};

class TitleLabelsNode : public QSGNode {
public:
    ~TitleLabelsNode() override;
    // Replaces the labels; textures of images seen before are reused.
    void update(QQuickWindow* window, const TitleImages& images, const std::vector<TitleLabel>& labels);

private:
    QHash<QString, QSGTexture*> textures_;
};

}  // namespace tessera::editor
