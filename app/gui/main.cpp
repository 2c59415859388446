// tessera-editor: the desktop node-graph editor.
//   tessera-editor [FILE] [--models DIR] [--output DIR] [--settings INI] [--run] [--quit-after-run]
//                  [--screenshot OUT.png] [--screenshot-at-progress P] [--size WxH] [--viewer]
#include "app/editor/editor_session.h"
#include "app/editor/examples_folder.h"
#include "app/editor/editor_settings.h"
#include "app/editor/graph_document.h"
#include "app/editor/run_controller.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>

using namespace tessera::editor;

namespace {

// Grabs the window a few frames after `when` (so images and layout have settled) and writes it.
void screenshotSoon(QQuickWindow* window, const QString& path, std::function<void(bool)> done) {
    QTimer::singleShot(700, window, [window, path, done] {
        const QImage image = window->grabWindow();
        const bool ok = !image.isNull() && image.save(path);
        std::fprintf(ok ? stdout : stderr, ok ? "screenshot written to %s\n" : "cannot write the screenshot %s\n",
                     qPrintable(path));
        done(ok);
    });
}

}  // namespace

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    QGuiApplication::setOrganizationName("Tessera");
    QGuiApplication::setApplicationName("tessera-editor");
    QQuickStyle::setStyle("Basic");

    QCommandLineParser parser;
    parser.setApplicationDescription("Tessera: node-graph diffusion for image-to-image work");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "A .tessera bundle, graph.json, ComfyUI workflow or PNG to open.", "[FILE]");
    const QCommandLineOption models("models", "A models folder (ComfyUI layout); repeatable.", "DIR");
    const QCommandLineOption output("output", "Where SaveImage writes (saved in the settings).", "DIR");
    const QCommandLineOption settingsFile("settings", "Keep settings in this INI file.", "INI");
    const QCommandLineOption run("run", "Run the graph once the window is shown.");
    const QCommandLineOption quitAfterRun("quit-after-run", "Quit when the run ends (exit 1 if it failed).");
    const QCommandLineOption screenshot("screenshot", "Write a picture of the window (after the run with --run).",
                                        "OUT.png");
    const QCommandLineOption screenshotAt("screenshot-at-progress", "With --run: take the screenshot mid-run.", "P");
    const QCommandLineOption size("size", "Window size.", "WxH");
    const QCommandLineOption viewer("viewer", "Open the image viewer, comparing the newest output with its before.");
    parser.addOptions({models, output, settingsFile, run, quitAfterRun, screenshot, screenshotAt, size, viewer});
    parser.process(app);

    EditorSession session(parser.value(settingsFile));
    if (parser.isSet(models)) session.settings()->setModelsOverride(parser.values(models));
    if (parser.isSet(output)) session.settings()->setOutputFolder(parser.value(output));
    QString file = parser.positionalArguments().isEmpty() ? QString() : parser.positionalArguments().constFirst();
    if (file.isEmpty() && session.settings()->recentFiles().isEmpty()) {
        // First start: show the img2img example; missing models are marked with where they go.
        for (const QString& example : exampleFiles(QCoreApplication::applicationDirPath()))
            if (example.endsWith("/img2img.tessera")) file = example;
    }
    if (!file.isEmpty()) {
        if (session.document()->open(file))
            session.settings()->addRecentFile(file);
        else
            std::fprintf(stderr, "tessera-editor: %s\n", qPrintable(session.document()->lastError()));
    }

    QQmlApplicationEngine engine;
    session.exposeTo(&engine);
    engine.load(QUrl("qrc:/qml/Main.qml"));
    if (engine.rootObjects().isEmpty()) return 2;
    auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
    if (!window) return 2;
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split('x');
        if (wh.size() == 2) window->resize(wh[0].toInt(), wh[1].toInt());
        if (auto* canvas = window->property("canvas").value<QObject*>())
            QTimer::singleShot(0, canvas, [canvas] { QMetaObject::invokeMethod(canvas, "fitAll"); });
    }

    if (parser.isSet(viewer))
        if (auto* panel = window->property("imageViewer").value<QObject*>()) {
            panel->setProperty("visible", true);
            panel->setProperty("compare", true);
        }

    const QString shotPath = parser.value(screenshot);
    int exitCode = 0;
    auto finish = [&](bool ok) {
        if (!ok) exitCode = 1;
        QTimer::singleShot(0, qApp, [] { QCoreApplication::exit(0); });
    };
    RunController* runner = session.runner();
    if (parser.isSet(run)) {
        QObject::connect(runner, &RunController::runFinished, window, [&](int, bool ok, const QString& message) {
            if (!ok) std::fprintf(stderr, "tessera-editor: run failed: %s\n", qPrintable(message));
            if (!ok) exitCode = 1;
            if (!shotPath.isEmpty() && !parser.isSet(screenshotAt))
                screenshotSoon(window, shotPath, [&, ok](bool shotOk) {
                    if (parser.isSet(quitAfterRun)) finish(ok && shotOk);
                });
            else if (parser.isSet(quitAfterRun))
                finish(ok);
        });
        if (parser.isSet(screenshotAt) && !shotPath.isEmpty()) {
            const double at = parser.value(screenshotAt).toDouble();
            auto taken = std::make_shared<bool>(false);
            QObject::connect(runner, &RunController::progressChanged, window, [&, at, taken] {
                if (*taken || runner->progress() < at) return;
                *taken = true;
                // Pause the worker's updates from reaching the view: grab right away.
                const QImage image = window->grabWindow();
                std::printf("screenshot written to %s\n", qPrintable(shotPath));
                image.save(shotPath);
            });
        }
        QTimer::singleShot(300, window, [runner] { runner->run(); });
    } else if (!shotPath.isEmpty()) {
        screenshotSoon(window, shotPath, [&](bool ok) { finish(ok); });
    }
    const int rc = app.exec();
    return rc != 0 ? rc : exitCode;
}
