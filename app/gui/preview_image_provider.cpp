#include "app/gui/preview_image_provider.h"

#include "app/editor/preview_store.h"

namespace tessera::editor {

PreviewImageProvider::PreviewImageProvider(const PreviewStore* store)
    : QQuickImageProvider(QQuickImageProvider::Image), store_(store) {}

QImage PreviewImageProvider::requestImage(const QString& id, QSize* size, const QSize& requestedSize) {
    QImage image = store_->forProviderId(id);
    if (image.isNull()) {
        image = QImage(8, 8, QImage::Format_RGB888);
        image.fill(Qt::black);
    }
    if (requestedSize.isValid() && !requestedSize.isEmpty())
        image = image.scaled(requestedSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    if (size) *size = image.size();
    return image;
}

}  // namespace tessera::editor
