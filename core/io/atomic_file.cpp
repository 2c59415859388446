#include "core/io/atomic_file.h"

#include "core/common/error.h"

#include <QFile>
#include <QSaveFile>

#include <cerrno>
#include <cstring>

namespace tessera {
namespace {

// Qt says "Unknown error" when a buffered write fails (a full disk, a file size limit); the system's
// errno still says why.
std::string systemReason(const QString& qtReason, int err) {
    if (err != 0 && (qtReason.isEmpty() || qtReason == "Unknown error")) return std::strerror(err);
    return qtReason.toStdString();
}

}  // namespace

void writeFileAtomically(const QString& path, const std::function<void(QIODevice&)>& write) {
    QSaveFile file(path);
    // Writing in place would defeat the purpose; fail instead where no temporary file can be made.
    file.setDirectWriteFallback(false);
    errno = 0;
    auto fail = [&](const QString& reason) {
        throw Error("could not save '" + path.toStdString() + "': " + systemReason(reason, errno));
    };
    if (!file.open(QIODevice::WriteOnly)) fail(file.errorString());
    write(file);  // on an exception QSaveFile's destructor discards the temporary file
    if (file.error() != QFileDevice::NoError) fail(file.errorString());
    if (!file.commit()) fail(file.errorString());
}

void writeFileAtomically(const QString& path, const QByteArray& data) {
    writeFileAtomically(path, [&](QIODevice& out) {
        if (out.write(data) != data.size())
            throw Error("could not save '" + path.toStdString() + "': " + systemReason(out.errorString(), errno));
    });
}

QByteArray readWholeFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error("could not open '" + path.toStdString() + "': " + f.errorString().toStdString());
    return f.readAll();
}

}  // namespace tessera
