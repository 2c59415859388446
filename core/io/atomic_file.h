#pragma once
// Saving without ever destroying the previous file: data goes to a temporary file next to the
// target, which replaces the target only once everything was written and flushed.
#include <QByteArray>
#include <QIODevice>
#include <QString>
#include <functional>

namespace tessera {

// Throws tessera::Error("could not save '<path>': <reason>"); the old file is then untouched.
void writeFileAtomically(const QString& path, const QByteArray& data);
// Same, with the content produced by `write` (which may throw: nothing is replaced then).
void writeFileAtomically(const QString& path, const std::function<void(QIODevice&)>& write);

// Reads a whole file; throws tessera::Error("could not open '<path>': <reason>").
QByteArray readWholeFile(const QString& path);

}  // namespace tessera
