// Qt Quick Test runner: every QML engine the tests make gets a fresh EditorSession (built-in
// nodes, settings in a temporary INI file, the tiny reference models as the models folder, a
// temporary output folder) exposed as "editor", "gui" and image://preview; "testTempDir" is a
// temporary folder, "sourceDir" the repository root, and "testScreenshotDir"
// the TESSERA_SCREENSHOT_DIR environment variable (tests that save screenshots for the docs skip
// when it is empty).
#include "app/editor/editor_session.h"
#include "app/editor/editor_settings.h"
#include "tests/support/refdata.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageWriter>
#include <QUrl>
#include <QQmlContext>
#include <QQmlEngine>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtQuickTest>

// Reads image files for the tests' pixel checks ("testImages").
class TestImages : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    // [r, g, b] of the pixel, or [] when the file cannot be read or the point is outside it.
    Q_INVOKABLE QVariantList pixel(const QString& pathOrUrl, int x, int y) const {
        const QString path = pathOrUrl.startsWith("file:") ? QUrl(pathOrUrl).toLocalFile() : pathOrUrl;
        const QImage image(path);
        if (image.isNull() || !image.rect().contains(x, y)) return {};
        const QRgb c = image.pixel(x, y);
        return {qRed(c), qGreen(c), qBlue(c)};
    }
    // A small PNG with one text chunk (how SaveImage embeds graphs).
    Q_INVOKABLE bool writePng(const QString& path, const QString& key, const QString& text) const {
        QImage image(8, 8, QImage::Format_RGB32);
        image.fill(Qt::gray);
        QImageWriter writer(path, "png");
        if (!key.isEmpty()) writer.setText(key, text);
        return writer.write(image);
    }
    Q_INVOKABLE QSize size(const QString& pathOrUrl) const {
        return QImage(pathOrUrl.startsWith("file:") ? QUrl(pathOrUrl).toLocalFile() : pathOrUrl).size();
    }
};

class Setup : public QObject {
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable() { QStandardPaths::setTestModeEnabled(true); }
    void qmlEngineAvailable(QQmlEngine* engine) {
        auto* session = new tessera::editor::EditorSession(dir_.filePath("settings.ini"), engine);
        session->settings()->setModelsOverride({tinyModels()});
        session->settings()->setOutputFolder(dir_.filePath("output"));
        session->exposeTo(engine);
        engine->rootContext()->setContextProperty("sourceDir", QString::fromStdString(tessera::test::sourceDir()));
        engine->rootContext()->setContextProperty("testTempDir", dir_.path());
        engine->rootContext()->setContextProperty("testImages", new TestImages(engine));
        engine->rootContext()->setContextProperty("testScreenshotDir", qEnvironmentVariable("TESSERA_SCREENSHOT_DIR"));
    }

private:
    // The tiny SD1.5 checkpoints under the names the example graphs use.
    QString tinyModels() {
        const QString models = dir_.filePath("models");
        QDir().mkpath(models + "/checkpoints");
        QDir().mkpath(models + "/tokenizers");
        auto link = [](const std::string& refdata, const QString& to) {
            if (!QFile::exists(to)) QFile::link(QString::fromStdString(tessera::test::refdataPath(refdata)), to);
        };
        link("models/tiny-sd15.safetensors", models + "/checkpoints/v1-5-pruned-emaonly.safetensors");
        link("models/tiny-sd15-inpainting.safetensors", models + "/checkpoints/sd-v1-5-inpainting.safetensors");
        link("bpe_simple_vocab_16e6.txt.gz", models + "/tokenizers/bpe_simple_vocab_16e6.txt.gz");
        return models;
    }

    QTemporaryDir dir_;
};

QUICK_TEST_MAIN_WITH_SETUP(tessera_qml, Setup)

#include "qml_tests_main.moc"
