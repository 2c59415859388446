#include "app/gui/mask_scene_node.h"

#include <QQuickWindow>
#include <QSGImageNode>
#include <QSGOpacityNode>
#include <QSGTexture>

#include <algorithm>

namespace tessera::editor {

namespace {

// Nearest-pixel sampling from this zoom up, so painted pixels show as crisp squares.
constexpr double kPixelatedZoom = 2.0;

}  // namespace

void MaskSceneNode::attach(QSGNode* parent, Tile& tile, bool attached) {
    if (attached == tile.attached) return;
    if (attached)
        parent->appendChildNode(tile.node);
    else
        parent->removeChildNode(tile.node);
    tile.attached = attached;
}

void MaskSceneNode::removeTiles(QSGNode* parent, std::vector<Tile>& tiles) {
    for (auto& t : tiles) {
        attach(parent, t, false);
        delete t.node;
    }
    tiles.clear();
}

MaskSceneNode::MaskSceneNode() : imageRoot_(new QSGOpacityNode), overlayRoot_(new QSGOpacityNode) {
    appendChildNode(imageRoot_);
    appendChildNode(overlayRoot_);
    setOverlayColor(QColor(255, 60, 60));
}

MaskSceneNode::~MaskSceneNode() {
    for (auto& t : overlayTiles_)
        if (!t.attached) delete t.node;
}

void MaskSceneNode::setTileTexture(Tile& tile, QQuickWindow* window, const QImage& image) {
    // The old texture's GPU memory is released by the RHI once frames in flight are done with it.
    std::unique_ptr<QSGTexture> texture(window->createTextureFromImage(image));
    tile.node->setTexture(texture.get());
    tile.texture = std::move(texture);
}

void MaskSceneNode::setImage(QQuickWindow* window, const QImage& image) {
    removeTiles(imageRoot_, imageChunks_);
    for (int y = 0; y < image.height(); y += kImageChunk) {
        for (int x = 0; x < image.width(); x += kImageChunk) {
            const QRect r(x, y, std::min(kImageChunk, image.width() - x), std::min(kImageChunk, image.height() - y));
            Tile tile;
            tile.node = window->createImageNode();
            tile.node->setRect(r);
            tile.node->setMipmapFiltering(QSGTexture::Linear);
            setTileTexture(tile, window, r == image.rect() ? image : image.copy(r));
            tile.texture->setMipmapFiltering(QSGTexture::Linear);
            attach(imageRoot_, tile, true);
            imageChunks_.push_back(std::move(tile));
        }
    }
}

void MaskSceneNode::setOverlayColor(const QColor& color) {
    const QColor c = color.toRgb();
    for (int v = 0; v < 256; ++v)
        lut_[v] = qPremultiply(qRgba(c.red(), c.green(), c.blue(), v));
}

QImage MaskSceneNode::overlayTileImage(const PaintLayers& layers, bool colours, const mask::PixelRect& r,
                                       bool* painted) const {
    QImage image(r.width, r.height, QImage::Format_ARGB32_Premultiplied);
    uint8_t any = 0;
    for (int y = 0; y < r.height; ++y) {
        const uint8_t* src = layers.coverage().row(r.y + y) + r.x;
        auto* dst = reinterpret_cast<uint32_t*>(image.scanLine(y));
        for (int x = 0; x < r.width; ++x) {
            dst[x] = colours ? layers.premultipliedAt(r.x + x, r.y + y) : lut_[src[x]];
            any |= src[x];
        }
    }
    *painted = any != 0;
    return image;
}

void MaskSceneNode::updateOverlay(QQuickWindow* window, const PaintLayers& layers, bool colours,
                                  const mask::PixelRect& dirty, bool all) {
    const mask::MaskImage& mask = layers.coverage();
    const int columns = (mask.width() + kOverlayTile - 1) / kOverlayTile;
    const int rows = (mask.height() + kOverlayTile - 1) / kOverlayTile;
    if (mask.width() != maskWidth_ || mask.height() != maskHeight_) {
        removeTiles(overlayRoot_, overlayTiles_);
        maskWidth_ = mask.width(), maskHeight_ = mask.height();
        for (int i = 0; i < columns * rows; ++i) {
            Tile tile;
            tile.node = window->createImageNode();
            tile.node->setRect(QRectF((i % columns) * kOverlayTile, (i / columns) * kOverlayTile,
                                      std::min(kOverlayTile, mask.width() - (i % columns) * kOverlayTile),
                                      std::min(kOverlayTile, mask.height() - (i / columns) * kOverlayTile)));
            overlayTiles_.push_back(std::move(tile));
        }
        all = true;
    }
    const mask::PixelRect region = all ? mask.bounds() : dirty.intersected(mask.bounds());
    if (region.empty()) return;
    for (int ty = region.y / kOverlayTile; ty <= (region.bottom() - 1) / kOverlayTile; ++ty) {
        for (int tx = region.x / kOverlayTile; tx <= (region.right() - 1) / kOverlayTile; ++tx) {
            const mask::PixelRect r =
                mask::PixelRect{tx * kOverlayTile, ty * kOverlayTile, kOverlayTile, kOverlayTile}.intersected(
                    mask.bounds());
            Tile& tile = overlayTiles_[size_t(ty * columns + tx)];
            bool painted = false;
            const QImage image = overlayTileImage(layers, colours, r, &painted);
            // A node is only in the tree with a live texture (the software renderer reads it on attach).
            if (painted) {
                setTileTexture(tile, window, image);
                attach(overlayRoot_, tile, true);
            } else {
                attach(overlayRoot_, tile, false);
                tile.texture.reset();
            }
        }
    }
}

void MaskSceneNode::setOverlay(double opacity, bool visible) {
    const double o = visible ? std::clamp(opacity, 0.0, 1.0) : 0.0;
    if (overlayRoot_->opacity() != o) overlayRoot_->setOpacity(o);
}

void MaskSceneNode::setView(double zoom, double panX, double panY) {
    zoom_ = zoom, panX_ = panX, panY_ = panY;
    QMatrix4x4 m;
    m.translate(float(panX), float(panY));
    m.scale(float(zoom), float(zoom));
    if (m != matrix()) setMatrix(m);
    const auto filtering = zoom >= kPixelatedZoom ? QSGTexture::Nearest : QSGTexture::Linear;
    for (auto* tiles : {&imageChunks_, &overlayTiles_})
        for (auto& t : *tiles)
            if (t.node->filtering() != filtering) t.node->setFiltering(filtering);
}

}  // namespace tessera::editor
