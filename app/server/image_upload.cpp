#include "app/server/image_upload.h"

#include "app/server/safe_paths.h"
#include "core/common/error.h"
#include "core/io/atomic_file.h"
#include "nodes/image_header.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace tessera::server {
namespace {

UploadResult failure(int status, std::string message) {
    UploadResult r;
    r.status = status;
    r.message = std::move(message);
    return r;
}

// About the image's size, from a decode at 1/8 scale, so a huge image costs little memory. An
// image too small to reduce that far (OpenCV throws rather than scale a side to nothing) is tried
// at 1/4, 1/2, then whole in gray. Nothing when the bytes are no image, or a broken one.
std::optional<double> roughPixels(const cv::Mat& raw) {
    const std::pair<int, double> tries[] = {{cv::IMREAD_REDUCED_GRAYSCALE_8, 8}, {cv::IMREAD_REDUCED_GRAYSCALE_4, 4},
                                            {cv::IMREAD_REDUCED_GRAYSCALE_2, 2}, {cv::IMREAD_GRAYSCALE, 1}};
    for (const auto& [flag, scale] : tries) {
        try {
            const cv::Mat img = cv::imdecode(raw, flag);
            if (img.empty()) return std::nullopt;
            return img.cols * scale * img.rows * scale;
        } catch (const cv::Exception&) {
            // too small for this reduction: try the next
        }
    }
    return std::nullopt;
}

// Checks the image's size before decoding all of its pixels, so a huge image costs no memory.
std::optional<std::string> imageProblem(const QByteArray& data, int maxPixels) {
    if (data.isEmpty()) return "the image is empty";
    // What LoadImage reads, checked as it checks it: OpenCV would try every decoder it has on anything
    // else, and its DICOM reader aborts the process on a malformed file (fuzz finding, image_decode).
    if (!nodes::hasLoadableImageSignature(reinterpret_cast<const uint8_t*>(data.constData()), size_t(data.size())))
        return "the file is not a PNG, JPEG, WebP, BMP or TIFF image";
    const cv::Mat raw(1, int(data.size()), CV_8U, const_cast<char*>(data.constData()));
    const std::optional<double> pixels = roughPixels(raw);
    if (!pixels) return "the file is not an image OpenCV can read (PNG, JPEG, WebP, BMP, TIFF)";
    if (*pixels > double(maxPixels) * 4) return "the image is too large (limit " + std::to_string(maxPixels) + " pixels)";
    cv::Mat img;
    try {
        img = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        return std::string("the image could not be decoded: ") + e.what();
    }
    if (img.empty()) return "the image could not be decoded";
    if (double(img.cols) * img.rows > maxPixels)
        return "the image is " + std::to_string(img.cols) + "x" + std::to_string(img.rows) + ", more than the limit of " +
               std::to_string(maxPixels) + " pixels";
    return std::nullopt;
}

QByteArray sha256(const QByteArray& data) { return QCryptographicHash::hash(data, QCryptographicHash::Sha256); }

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result();
}

// Where to write: the name itself, or "name (1).ext", ... unless an existing file has the same content.
std::optional<QString> destination(const UploadRequest& r, const QString& folder, const QString& filename,
                                   const QByteArray& data, QString& finalName) {
    auto path = confinedPath(folder, r.subfolder, filename);
    if (!path) return std::nullopt;
    finalName = filename;
    if (r.overwrite || !QFileInfo::exists(*path)) return path;
    const QByteArray hash = sha256(data);
    const QFileInfo fi(filename);
    const QString base = fi.completeBaseName(), suffix = fi.suffix().isEmpty() ? QString() : "." + fi.suffix();
    for (int i = 1; i < 10000; ++i) {
        if (fileHash(*path) == hash) return path;  // the same image is already there
        finalName = QString("%1 (%2)%3").arg(base).arg(i).arg(suffix);
        path = confinedPath(folder, r.subfolder, finalName);
        if (!path) return std::nullopt;
        if (!QFileInfo::exists(*path)) return path;
    }
    return std::nullopt;
}

// The first part of `dir` below `root` that exists as something other than a folder ("" if none):
// a subfolder through a file can never be created.
QString existingFileOnTheWay(const QString& root, const QString& dir) {
    const QString base = QFileInfo(root).canonicalFilePath();
    for (QString probe = dir; probe.size() > base.size(); probe = QFileInfo(probe).path())
        if (QFileInfo::exists(probe) && !QFileInfo(probe).isDir()) return QDir(base).relativeFilePath(probe);
    return {};
}

UploadResult write(const UploadRequest& r, const QString& folder, const QString& filename, const QByteArray& data) {
    QString finalName;
    const auto path = destination(r, folder, filename, data, finalName);
    if (!path) return failure(400, "invalid file name or subfolder: '" + r.subfolder.toStdString() + "/" + filename.toStdString() + "'");
    const QString dir = QFileInfo(*path).path();
    if (const QString file = existingFileOnTheWay(folder, dir); !file.isEmpty())
        return failure(400, "the subfolder '" + r.subfolder.toStdString() + "' runs into the file " + file.toStdString());
    if (QFileInfo(*path).isDir()) return failure(400, "'" + filename.toStdString() + "' is a folder there");
    if (!QDir().mkpath(dir)) return failure(500, "cannot create the folder " + dir.toStdString());
    try {
        writeFileAtomically(*path, data);  // a full disk leaves neither a half-written file nor a changed one
    } catch (const Error& e) {
        return failure(500, e.what());
    }
    UploadResult ok;
    ok.ok = true;
    ok.name = finalName;
    ok.subfolder = r.subfolder;
    ok.type = r.type;
    return ok;
}

}  // namespace

UploadResult saveUploadedImage(const UploadRequest& r, const QString& folder) {
    if (auto problem = imageProblem(r.data, r.maxPixels)) return failure(400, *problem);
    return write(r, folder, r.filename, r.data);
}

UploadResult saveUploadedMask(const UploadRequest& r, const QString& folder, const QString& originalPath) {
    if (auto problem = imageProblem(r.data, r.maxPixels)) return failure(400, *problem);
    const QByteArray originalBytes = [&] {
        QFile f(originalPath);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    if (auto problem = imageProblem(originalBytes, r.maxPixels))
        return failure(400, "original_ref: " + *problem);
    cv::Mat original = cv::imdecode(cv::Mat(1, int(originalBytes.size()), CV_8U, const_cast<char*>(originalBytes.constData())),
                                    cv::IMREAD_COLOR);
    cv::Mat mask = cv::imdecode(cv::Mat(1, int(r.data.size()), CV_8U, const_cast<char*>(r.data.constData())),
                                cv::IMREAD_UNCHANGED);
    if (mask.depth() != CV_8U) mask.convertTo(mask, CV_8U, 1.0 / 257);
    cv::Mat alpha;
    if (mask.channels() == 4) cv::extractChannel(mask, alpha, 3);
    else if (mask.channels() == 3) cv::cvtColor(mask, alpha, cv::COLOR_BGR2GRAY);
    else alpha = mask;
    if (alpha.size() != original.size()) cv::resize(alpha, alpha, original.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat bgra;
    cv::cvtColor(original, bgra, cv::COLOR_BGR2BGRA);
    cv::insertChannel(alpha, bgra, 3);
    std::vector<uchar> png;
    if (!cv::imencode(".png", bgra, png)) return failure(500, "cannot encode the masked image");
    QString name = r.filename;
    if (!name.endsWith(".png", Qt::CaseInsensitive)) name = QFileInfo(name).completeBaseName() + ".png";
    return write(r, folder, name, QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size())));
}

}  // namespace tessera::server
