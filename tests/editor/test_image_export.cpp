#include "app/editor/image_export.h"
#include "tests/support/file_size_limit.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QTemporaryDir>
#include <QUrl>
#include <gtest/gtest.h>

using namespace tessera::editor;

namespace {
QByteArray bytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A 6x4 PNG with a text chunk, like SaveImage's embedded workflow.
QString writePng(const QTemporaryDir& dir) {
    QImage image(6, 4, QImage::Format_RGB888);
    image.fill(QColor(200, 40, 10));
    image.setText("workflow", "{\"nodes\":[]}");
    const QString path = dir.filePath("out.png");
    EXPECT_TRUE(image.save(path));
    return path;
}
}  // namespace

TEST(ImageExport, SameFormatIsAByteCopyThatKeepsTheEmbeddedGraph) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString png = writePng(dir);
    const QString target = dir.filePath("copy.png");
    QFile stale(target);
    ASSERT_TRUE(stale.open(QIODevice::WriteOnly));
    stale.write("old");
    stale.close();
    QString error;
    ASSERT_TRUE(exportImage(QUrl::fromLocalFile(png).toString(), QUrl::fromLocalFile(target).toString(), &error))
        << error.toStdString();
    EXPECT_EQ(bytes(target), bytes(png));
    EXPECT_EQ(QImage(target).text("workflow"), "{\"nodes\":[]}");
}

TEST(ImageExport, AnotherSuffixIsReEncoded) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString png = writePng(dir);
    const QString target = dir.filePath("copy.jpg");
    QString error;
    ASSERT_TRUE(exportImage(png, target, &error)) << error.toStdString();
    EXPECT_EQ(QImageReader::imageFormat(target), "jpeg");
    const QImage back(target);
    ASSERT_EQ(back.size(), QSize(6, 4));
    const QColor c = back.pixelColor(2, 2);
    EXPECT_NEAR(c.red(), 200, 12);
    EXPECT_NEAR(c.green(), 40, 12);
    EXPECT_NEAR(c.blue(), 10, 12);
}

TEST(ImageExport, FailuresSayWhichFileAndWhy) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QString error;
    EXPECT_FALSE(exportImage(dir.filePath("gone.png"), dir.filePath("x.png"), &error));
    EXPECT_NE(error.indexOf("gone.png does not exist"), -1) << error.toStdString();

    const QString png = writePng(dir);
    EXPECT_FALSE(exportImage(png, dir.filePath("x.nosuchformat"), &error));
    EXPECT_NE(error.indexOf("no encoder for .nosuchformat"), -1) << error.toStdString();
    EXPECT_FALSE(exportImage(png, dir.filePath("missing-folder/x.png"), &error));
    EXPECT_NE(error.indexOf("Cannot write"), -1) << error.toStdString();
    EXPECT_TRUE(QFile::exists(png)) << "the source is never touched";
}

TEST(ImageExport, ADiskFullKeepsThePreviousFile) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString png = writePng(dir);
    QImage big(256, 256, QImage::Format_RGB888);
    for (int y = 0; y < big.height(); ++y)
        for (int x = 0; x < big.width(); ++x) big.setPixel(x, y, qRgb((x * 7919 + y * 104729) % 256, (x ^ y) % 256, (x * y) % 256));
    const QString source = dir.filePath("big.png");
    ASSERT_TRUE(big.save(source));
    const QString target = dir.filePath("kept.png");
    QString error;
    ASSERT_TRUE(exportImage(png, target, &error)) << error.toStdString();
    const QByteArray before = bytes(target);
    for (const QString& name : {target, dir.filePath("kept.jpg")}) {
        tessera::test::FileSizeLimit full(2048);
        EXPECT_FALSE(exportImage(source, name, &error)) << name.toStdString();
        EXPECT_NE(error.indexOf("Cannot write " + name + ": could not save '" + name + "': File too large"), -1)
            << error.toStdString();
    }
    EXPECT_EQ(bytes(target), before);
    EXPECT_EQ(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), (QStringList{"big.png", "kept.png", "out.png"}));
}
