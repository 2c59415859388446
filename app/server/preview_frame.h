#pragma once
// A sampler preview as ComfyUI's binary websocket frame: big-endian uint32 event type 1
// (PREVIEW_IMAGE), big-endian uint32 image type 1 (JPEG), then the JPEG bytes.
#include "core/exec/node_context.h"

#include <QByteArray>

namespace tessera::server {

QByteArray previewFrame(const PreviewImage& image, int jpegQuality = 95);

}  // namespace tessera::server
