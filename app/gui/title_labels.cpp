#include "app/gui/title_labels.h"

#include "app/gui/canvas_layout.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QQuickWindow>
#include <QSGSimpleTextureNode>
#include <QSGTexture>

#include <cmath>

namespace tessera::editor {

namespace {
constexpr double kTitleFont = 13;  // Theme.titleFont, bold, as NodeItem's title
constexpr double kRightPadding = 8;

QFont titleFont() {
    QFont f;
    f.setPixelSize(std::max(6, int(std::round(kTitleFont * TitleImages::kScale))));
    f.setBold(true);
    return f;
}
}  // namespace

QString TitleImages::labelFor(const QString& title, double width, QSizeF* size) {
    const double room = std::max(0.0, width - layout::kTitleX - kRightPadding) * kScale;
    // The colour is part of the key: TitleLabelsNode keeps textures by key across theme changes.
    const QString key = color_.name(QColor::HexArgb) + QString::number(int(room)) + QLatin1Char('\n') + title;
    auto it = images_.find(key);
    if (it == images_.end()) {
        const QFont font = titleFont();
        const QFontMetricsF metrics(font);
        const QString text = metrics.elidedText(title, Qt::ElideRight, room);
        QImage image(QSize(std::max(1, int(std::ceil(metrics.horizontalAdvance(text)))), int(std::ceil(metrics.height()))),
                     QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter p(&image);
        p.setFont(font);
        p.setPen(color_);
        p.drawText(QPointF(0, metrics.ascent()), text);
        p.end();
        it = images_.insert(key, image);
    }
    *size = QSizeF(it->width(), it->height()) / kScale;
    return key;
}

const QImage* TitleImages::image(const QString& key) const {
    const auto it = images_.find(key);
    return it == images_.end() ? nullptr : &*it;
}

void TitleImages::setColor(const QColor& color) {
    if (color == color_) return;
    color_ = color;
    images_.clear();
}

TitleLabelsNode::~TitleLabelsNode() { qDeleteAll(textures_); }

void TitleLabelsNode::update(QQuickWindow* window, const TitleImages& images, const std::vector<TitleLabel>& labels) {
    while (QSGNode* child = firstChild()) {
        removeChildNode(child);
        delete child;
    }
    QHash<QString, QSGTexture*> used;
    for (const TitleLabel& label : labels) {
        QSGTexture* texture = textures_.take(label.key);
        if (!texture) texture = used.value(label.key);
        if (!texture) {
            const QImage* image = images.image(label.key);
            if (!image) continue;
            texture = window->createTextureFromImage(*image);
            texture->setFiltering(QSGTexture::Linear);
        }
        used.insert(label.key, texture);
        auto* node = new QSGSimpleTextureNode;
        node->setTexture(texture);
        node->setRect(label.target);
        node->setFiltering(QSGTexture::Linear);
        appendChildNode(node);
    }
    qDeleteAll(textures_);  // titles no longer shown
    textures_ = std::move(used);
}

}  // namespace tessera::editor
