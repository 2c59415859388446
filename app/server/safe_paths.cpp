#include "app/server/safe_paths.h"

#include <QDir>
#include <QFileInfo>

namespace tessera::server {
namespace {

constexpr qsizetype kMaxNameBytes = 255;  // NAME_MAX: a longer name is not one the file system can hold

}  // namespace

bool isSafeRelative(const QString& relative) {
    if (relative.contains(QChar(0)) || relative.contains('\\') || relative.startsWith('/') || relative.contains(':'))
        return false;
    for (const QString& part : relative.split('/', Qt::SkipEmptyParts))
        if (part == ".." || part == "." || part.toUtf8().size() > kMaxNameBytes) return false;
    return true;
}

std::optional<QString> confinedPath(const QString& root, const QString& subfolder, const QString& filename) {
    if (filename.isEmpty() || filename.contains('/') || !isSafeRelative(filename) || !isSafeRelative(subfolder))
        return std::nullopt;
    const QString rootReal = QFileInfo(root).canonicalFilePath();
    if (rootReal.isEmpty()) return std::nullopt;
    const QString path = QDir::cleanPath(rootReal + '/' + subfolder + '/' + filename);
    // Resolve links in the deepest part that exists; it must still lie under the root.
    QString probe = path;
    while (!QFileInfo::exists(probe) && probe.size() > rootReal.size()) probe = QFileInfo(probe).path();
    const QString real = QFileInfo(probe).canonicalFilePath();
    if (real.isEmpty() || !(real == rootReal || real.startsWith(rootReal + '/'))) return std::nullopt;
    if (QFileInfo(path).isSymLink()) {
        const QString target = QFileInfo(path).canonicalFilePath();
        if (target.isEmpty() || !target.startsWith(rootReal + '/')) return std::nullopt;
    }
    return path;
}

}  // namespace tessera::server
