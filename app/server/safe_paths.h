#pragma once
// File names from clients confined to one folder: "..", absolute paths, backslashes, NULs,
// names longer than the file system holds (255 bytes) and symbolic links that lead outside the
// folder are refused.
#include <QString>

#include <optional>

namespace tessera::server {

// root/subfolder/filename when it stays inside root (after resolving any links that exist);
// nullopt otherwise. The file itself need not exist.
std::optional<QString> confinedPath(const QString& root, const QString& subfolder, const QString& filename);
// Whether a single client-supplied name part is acceptable ("a.png", "sub/dir"; not "../x", "/etc").
bool isSafeRelative(const QString& relative);

}  // namespace tessera::server
