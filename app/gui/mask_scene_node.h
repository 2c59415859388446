#pragma once
// The MaskCanvas's scene graph, all under one transform (image pixels -> item):
//   - the image as static textures, in chunks of at most kImageChunk pixels a side (made once per load);
//   - the mask overlay as kOverlayTile x kOverlayTile textures under an opacity node; each frame only
//     the tiles the dirty rectangle touches are re-made, so a stroke uploads a few tiles, not the mask.
//     Tiles with nothing painted are taken out of the tree: an empty overlay costs no drawing.
#include "app/editor/paint_layers.h"

#include <QColor>
#include <QImage>
#include <QSGTransformNode>

#include <memory>
#include <vector>

class QQuickWindow;
class QSGImageNode;
class QSGOpacityNode;
class QSGTexture;

namespace tessera::editor {

class MaskSceneNode : public QSGTransformNode {
public:
    static constexpr int kOverlayTile = 256;
    static constexpr int kImageChunk = 4096;

    MaskSceneNode();
    ~MaskSceneNode() override;

    void setImage(QQuickWindow* window, const QImage& image);
    // Re-makes the overlay tiles that intersect `dirty` (every tile when `all`): the coverage in the
    // overlay colour, or with `colours` a colour sketch's own colours.
    void updateOverlay(QQuickWindow* window, const PaintLayers& layers, bool colours, const mask::PixelRect& dirty,
                       bool all);
    void setOverlayColor(const QColor& color);  // takes effect at the next updateOverlay(..., all = true)
    void setOverlay(double opacity, bool visible);
    // Every frame, after the updates: the transform and the filtering of new nodes follow the zoom.
    void setView(double zoom, double panX, double panY);

private:
    struct Tile {
        QSGImageNode* node = nullptr;  // owned by its parent while attached, else by this
        bool attached = false;
        std::unique_ptr<QSGTexture> texture;
    };
    static void removeTiles(QSGNode* parent, std::vector<Tile>& tiles);
    // The tile's overlay pixels; `painted` tells whether any mask value in it is above 0.
    QImage overlayTileImage(const PaintLayers& layers, bool colours, const mask::PixelRect& rect, bool* painted) const;
    static void attach(QSGNode* parent, Tile& tile, bool attached);
    void setTileTexture(Tile& tile, QQuickWindow* window, const QImage& image);

    QSGOpacityNode* imageRoot_;  // a plain QSGNode here loses its transform in the software renderer
    QSGOpacityNode* overlayRoot_;
    std::vector<Tile> imageChunks_;
    std::vector<Tile> overlayTiles_;
    int maskWidth_ = 0, maskHeight_ = 0;
    uint32_t lut_[256] = {};  // mask value -> premultiplied ARGB of the overlay colour
    double zoom_ = 1, panX_ = 0, panY_ = 0;
};

}  // namespace tessera::editor
