#pragma once
// "image://preview/<node id>/<revision>": the latest sampler preview of a node, for QML Images.
#include <QQuickImageProvider>

namespace tessera::editor {

class PreviewStore;

class PreviewImageProvider : public QQuickImageProvider {
public:
    explicit PreviewImageProvider(const PreviewStore* store);
    QImage requestImage(const QString& id, QSize* size, const QSize& requestedSize) override;

private:
    const PreviewStore* store_;
};

}  // namespace tessera::editor
