#include "app/editor/image_export.h"

#include "app/editor/document_util.h"

#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QUrl>

namespace tessera::editor {

namespace {
bool fail(QString* error, const QString& message) {
    if (error) *error = message;
    return false;
}
}  // namespace

bool exportImage(const QString& sourceName, const QString& targetName, QString* error) {
    const QString source = localPath(sourceName), target = localPath(targetName);
    if (!QFileInfo(source).isFile()) return fail(error, QStringLiteral("%1 does not exist any more.").arg(source));
    if (QFileInfo(source).absoluteFilePath() == QFileInfo(target).absoluteFilePath()) return true;
    const QString suffix = QFileInfo(target).suffix().toLower();
    const QByteArray format = QImageReader::imageFormat(source);
    const bool sameFormat = suffix.isEmpty() || suffix == QString::fromLatin1(format) ||
                            (format == "jpeg" && suffix == "jpg");
    if (sameFormat) {
        if (QFile::exists(target) && !QFile::remove(target))
            return fail(error, QStringLiteral("Cannot replace %1: is it read-only or open elsewhere?").arg(target));
        QFile in(source);
        if (!in.copy(target)) return fail(error, QStringLiteral("Cannot write %1: %2").arg(target, in.errorString()));
        return true;
    }
    QImageReader reader(source);
    const QImage image = reader.read();
    if (image.isNull()) return fail(error, QStringLiteral("Cannot read %1: %2").arg(source, reader.errorString()));
    QImageWriter writer(target);
    if (!writer.canWrite())
        return fail(error, QStringLiteral("Cannot write %1: no encoder for .%2 (use .png or .jpg).").arg(target, suffix));
    writer.setQuality(95);
    if (!writer.write(image)) return fail(error, QStringLiteral("Cannot write %1: %2").arg(target, writer.errorString()));
    return true;
}

}  // namespace tessera::editor
