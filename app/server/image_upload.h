#pragma once
// /upload/image and /upload/mask: the uploaded bytes are decoded first (OpenCV) and refused
// when they are not an image or too large; names are confined to the target folder, and a
// clash becomes "name (1).ext" unless the content is the same (ComfyUI's rule).
#include <QByteArray>
#include <QString>

#include <optional>
#include <string>

namespace tessera::server {

struct UploadResult {
    bool ok = false;
    int status = 400;      // when !ok
    std::string message;   // when !ok
    QString name, subfolder, type;
};

struct UploadRequest {
    QByteArray data;
    QString filename, subfolder, type = "input";
    bool overwrite = false;
    int maxPixels = 8192 * 8192;
};

// Saves the image under `folder` (the folder `type` names).
UploadResult saveUploadedImage(const UploadRequest& request, const QString& folder);
// Copies the uploaded image's alpha (or, without alpha, its gray level) into the alpha of the
// original image `originalPath`, and saves the result as a PNG under `folder`.
UploadResult saveUploadedMask(const UploadRequest& request, const QString& folder, const QString& originalPath);

}  // namespace tessera::server
