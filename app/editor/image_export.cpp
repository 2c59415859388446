#include "app/editor/image_export.h"

#include "app/editor/document_util.h"
#include "core/common/error.h"
#include "core/io/atomic_file.h"

#include <QBuffer>
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
    // Written to a temporary file that replaces the target only when complete: a full disk keeps the old file.
    auto write = [&](const QByteArray& data) {
        try {
            writeFileAtomically(target, data);
            return true;
        } catch (const Error& e) {
            return fail(error, QStringLiteral("Cannot write %1: %2").arg(target, QString::fromStdString(e.what())));
        }
    };
    if (sameFormat) {
        QFile in(source);
        if (!in.open(QIODevice::ReadOnly)) return fail(error, QStringLiteral("Cannot read %1: %2").arg(source, in.errorString()));
        return write(in.readAll());
    }
    QImageReader reader(source);
    const QImage image = reader.read();
    if (image.isNull()) return fail(error, QStringLiteral("Cannot read %1: %2").arg(source, reader.errorString()));
    QBuffer encoded;
    encoded.open(QIODevice::WriteOnly);
    QImageWriter writer(&encoded, suffix.toLatin1());
    if (!writer.canWrite())
        return fail(error, QStringLiteral("Cannot write %1: no encoder for .%2 (use .png or .jpg).").arg(target, suffix));
    writer.setQuality(95);
    if (!writer.write(image)) return fail(error, QStringLiteral("Cannot write %1: %2").arg(target, writer.errorString()));
    return write(encoded.data());
}

}  // namespace tessera::editor
