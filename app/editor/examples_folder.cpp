#include "app/editor/examples_folder.h"

#include <QDir>

namespace tessera::editor {

QString examplesFolder(const QString& programDir) {
    const QDir dir(programDir);
    for (const QString& candidate : {QStringLiteral("../share/tessera/examples"), QStringLiteral("../../resources/examples")}) {
        const QString path = QDir::cleanPath(dir.filePath(candidate));
        if (QDir(path).exists()) return path;
    }
    return {};
}

QStringList exampleFiles(const QString& programDir) {
    const QString folder = examplesFolder(programDir);
    if (folder.isEmpty()) return {};
    QStringList files;
    for (const QString& name : QDir(folder).entryList({"*.tessera"}, QDir::Files, QDir::Name))
        files << QDir(folder).filePath(name);
    return files;
}

}  // namespace tessera::editor
