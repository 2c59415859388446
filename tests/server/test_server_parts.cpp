// The server's pure parts: the multipart splitter, confined paths, the prompt queue's order.
#include "app/server/image_upload.h"
#include "app/server/multipart.h"
#include "app/server/prompt_queue.h"
#include "app/server/safe_paths.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QFile>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>

namespace tessera::server {
namespace {

TEST(Multipart, SplitsFieldsAndFilesWithBinaryContent) {
    const QByteArray image("\x89PNG\r\n--not-a-boundary\r\n\0\xff", 24);
    const QByteArray body = "--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a b.png\"\r\n"
                            "Content-Type: image/png\r\n\r\n" + image +
                            "\r\n--B\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\ntrue\r\n--B--\r\n";
    EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=B"), "B");
    EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=\"B\""), "B");
    EXPECT_TRUE(multipartBoundary("application/json").isEmpty());
    const auto parts = parseMultipart(body, "B");
    ASSERT_TRUE(parts);
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ(findPart(*parts, "image")->filename, "a b.png");
    EXPECT_EQ(findPart(*parts, "image")->contentType, "image/png");
    EXPECT_EQ(findPart(*parts, "image")->data, image);
    EXPECT_EQ(findPart(*parts, "overwrite")->data, "true");
}

TEST(Multipart, RefusesMalformedBodies) {
    EXPECT_FALSE(parseMultipart("", "B"));
    EXPECT_FALSE(parseMultipart("--B\r\nno end of headers", "B"));
    EXPECT_FALSE(parseMultipart("--B\r\nA: b\r\n\r\ndata without a closing delimiter", "B"));
    EXPECT_FALSE(parseMultipart("garbage", "B"));
    QByteArray many;
    for (int i = 0; i < 40; ++i) many += "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
    EXPECT_FALSE(parseMultipart(many + "--B--", "B", 32)) << "part count is limited";
}

TEST(SafePaths, ConfinesNamesToTheirFolder) {
    const QString root = QString::fromStdString(test::makeTempDir("confined"));
    const QString outside = QString::fromStdString(test::makeTempDir("outside"));
    QDir(root).mkpath("sub");
    std::filesystem::create_symlink(outside.toStdString(), (root + "/escape").toStdString());
    std::filesystem::create_symlink((outside + "/f.png").toStdString(), (root + "/link.png").toStdString());
    EXPECT_TRUE(confinedPath(root, "", "a.png"));
    EXPECT_TRUE(confinedPath(root, "sub", "a.png"));
    EXPECT_FALSE(confinedPath(root, "", "../a.png"));
    EXPECT_FALSE(confinedPath(root, "..", "a.png"));
    EXPECT_FALSE(confinedPath(root, "sub/../..", "a.png"));
    EXPECT_FALSE(confinedPath(root, "/etc", "passwd"));
    EXPECT_FALSE(confinedPath(root, "", "/etc/passwd"));
    EXPECT_FALSE(confinedPath(root, "", "sub/a.png")) << "a file name has no folder part";
    EXPECT_FALSE(confinedPath(root, "escape", "f.png")) << "a linked folder leading outside";
    EXPECT_FALSE(confinedPath(root, "", "link.png")) << "a link leading outside";
    EXPECT_FALSE(confinedPath(root, "", ""));
    EXPECT_TRUE(confinedPath(root, "", QString(251, 'n') + ".png"));
    EXPECT_FALSE(confinedPath(root, "", QString(252, 'n') + ".png")) << "longer than a file system name (255 bytes)";
    EXPECT_FALSE(confinedPath(root, QString(256, 's'), "a.png"));
}

UploadRequest pngUpload(int width, int height, const QString& name) {
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(height, width, CV_8UC3, cv::Scalar(1, 2, 3)), png);
    UploadRequest up;
    up.data = QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size()));
    up.filename = name;
    return up;
}

TEST(ImageUpload, TinyImagesAreAccepted) {
    const QString root = QString::fromStdString(test::makeTempDir("upload"));
    for (const auto& [w, h] : {std::pair{1, 1}, {4, 4}, {3, 40}, {40, 1}}) {
        const UploadResult r = saveUploadedImage(pngUpload(w, h, QString("tiny_%1x%2.png").arg(w).arg(h)), root);
        EXPECT_TRUE(r.ok) << w << "x" << h << ": " << r.message << " (too small to decode at 1/8 scale)";
    }
}

TEST(ImageUpload, SubfolderThroughAFileIsTheClientsMistake) {
    const QString root = QString::fromStdString(test::makeTempDir("upload"));
    UploadRequest up = pngUpload(4, 4, "pic.png");
    const UploadResult first = saveUploadedImage(up, root);
    ASSERT_TRUE(first.ok) << first.message;
    up.subfolder = "pic.png/deeper";
    const UploadResult intoFile = saveUploadedImage(up, root);
    EXPECT_FALSE(intoFile.ok);
    EXPECT_EQ(intoFile.status, 400) << intoFile.message;
    QDir(root).mkpath("folder");
    up.subfolder = "";
    up.filename = "folder";
    up.overwrite = true;
    const UploadResult ontoFolder = saveUploadedImage(up, root);
    EXPECT_FALSE(ontoFolder.ok);
    EXPECT_EQ(ontoFolder.status, 400) << ontoFolder.message;
}

// The image_decode fuzz finding (a TIFF look-alike holding "DICM", on which OpenCV's DICOM decoder
// aborts the process) through the server's upload path, which decodes uploads to check their size.
TEST(ImageUpload, OnlyTheImageFormatsTesseraReadsReachTheDecoders) {
    const QString root = QString::fromStdString(test::makeTempDir("upload"));
    QFile f(QString::fromStdString(test::sourceDir() + "/tests/fuzz/corpus/image_decode/dicom-after-tiff-lookalike.bin"));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    UploadRequest up;
    up.data = f.readAll();
    up.filename = "scan.png";
    const UploadResult image = saveUploadedImage(up, root);
    EXPECT_FALSE(image.ok);
    EXPECT_EQ(image.status, 400);
    EXPECT_EQ(image.message, "the file is not a PNG, JPEG, WebP, BMP or TIFF image");
    up.data = "GIF89a\x01\x00\x01\x00";
    EXPECT_EQ(saveUploadedImage(up, root).message, "the file is not a PNG, JPEG, WebP, BMP or TIFF image");
    EXPECT_TRUE(QDir(root).entryList(QDir::Files).isEmpty()) << "nothing refused is written";
}

std::shared_ptr<QueuedPrompt> prompt(const std::string& id, double number) {
    auto p = std::make_shared<QueuedPrompt>();
    p->id = id;
    p->number = number;
    return p;
}

TEST(PromptQueue, RunsByNumberWithFrontFirstAndKeepsBoundedHistory) {
    PromptQueue q(2);
    q.push(prompt("a", q.nextNumber(false)));
    q.push(prompt("b", q.nextNumber(false)));
    q.push(prompt("c", q.nextNumber(true)));
    EXPECT_EQ(q.remaining(), 3u);
    EXPECT_TRUE(q.removePending("b"));
    EXPECT_FALSE(q.removePending("b"));
    auto first = q.startNext();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id, "c") << "front prompts get negative numbers";
    EXPECT_FALSE(q.startNext()) << "one at a time";
    q.finishRunning({});
    EXPECT_EQ(q.startNext()->id, "a");
    q.finishRunning({});
    q.push(prompt("d", q.nextNumber(false)));
    q.startNext();
    q.finishRunning({});
    EXPECT_EQ(q.historySize(), 2u);
    EXPECT_TRUE(q.historyJson("c").object().empty()) << "the oldest entry was dropped";
    EXPECT_FALSE(q.historyJson("d").object().empty());
    EXPECT_EQ(q.historyJson(1).object().size(), 1u);
}

}  // namespace
}  // namespace tessera::server
