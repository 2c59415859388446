#include "core/io/atomic_file.h"

#include "core/common/error.h"

#include <QFile>
#include <QSaveFile>

namespace tessera {

void writeFileAtomically(const QString& path, const std::function<void(QIODevice&)>& write) {
    QSaveFile file(path);
    // Writing in place would defeat the purpose; fail instead where no temporary file can be made.
    file.setDirectWriteFallback(false);
    auto fail = [&](const QString& reason) {
        throw Error("could not save '" + path.toStdString() + "': " + reason.toStdString());
    };
    if (!file.open(QIODevice::WriteOnly)) fail(file.errorString());
    write(file);  // on an exception QSaveFile's destructor discards the temporary file
    if (file.error() != QFileDevice::NoError) fail(file.errorString());
    if (!file.commit()) fail(file.errorString());
}

void writeFileAtomically(const QString& path, const QByteArray& data) {
    writeFileAtomically(path, [&](QIODevice& out) {
        if (out.write(data) != data.size())
            throw Error("could not save '" + path.toStdString() + "': " + out.errorString().toStdString());
    });
}

QByteArray readWholeFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error("could not open '" + path.toStdString() + "': " + f.errorString().toStdString());
    return f.readAll();
}

}  // namespace tessera
