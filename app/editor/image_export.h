#pragma once
// "Save as…" for an output image: the same format is a byte copy (a PNG keeps the graph embedded
// in it); another format (by the target's suffix: .jpg, .webp, .bmp, …) is re-encoded.
#include <QString>

namespace tessera::editor {

// Writes `source` to `target` (replacing it). Both are local paths or file URLs. On failure returns
// false and sets `error` to a sentence naming the file and why.
bool exportImage(const QString& source, const QString& target, QString* error = nullptr);

}  // namespace tessera::editor
