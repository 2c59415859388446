#pragma once
// Where the example graphs are: <prefix>/share/tessera/examples when installed, resources/examples
// of the source tree when run from a build folder inside it.
#include <QString>
#include <QStringList>

namespace tessera::editor {

// `programDir` is the folder of the running program (QCoreApplication::applicationDirPath()).
// Empty when neither exists.
QString examplesFolder(const QString& programDir);
// The .tessera files there, sorted, as absolute paths.
QStringList exampleFiles(const QString& programDir);

}  // namespace tessera::editor
