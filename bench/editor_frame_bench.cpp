// Frame times of the editor canvas with a 500-node / 700-link graph while it pans and zooms.
//   editor_frame_bench [--frames N] [--zoom Z] [--nodes N] [--qml DIR] [--screenshot FILE.png]
//                     [--native-text] [--list-items]
// Run it under xvfb-run with QT_QPA_PLATFORM=xcb (Qt Quick then renders with OpenGL, llvmpipe),
// or with QT_QPA_PLATFORM=offscreen (the software renderer).
// Without --zoom the view starts fitted to the whole graph; with it, at zoom Z around the middle.
// --nodes: a multiple of 5 (default 500). --qml: the canvas QML from another folder (an older
// copy, to compare). --screenshot: no timing; the view at rest is saved as a PNG.
// --native-text: Text items rasterised by the platform instead of Qt's distance fields.
// --list-items: the scene's items four levels deep, each with the size of its subtree.
// Besides wall time between frames it prints the process CPU time (all threads, llvmpipe's too)
// per frame, which says more than wall time on a machine shared with other work.
// The graph is built through GraphDocument (100 copies of checkpoint → prompt (positive and
// negative) + empty latent → KSampler → VAE decode: 5 nodes, 7 links each). Each frame moves the view a little; the time
// between QQuickWindow::frameSwapped signals is the frame time.
#include "app/editor/editor_session.h"
#include "app/editor/graph_document.h"
#include "app/editor/link_list_model.h"
#include "app/editor/node_list_model.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <vector>

using namespace tessera::editor;

namespace {

void buildGraph(GraphDocument& doc, int nodes) {
    const int groups = std::max(1, nodes / 5), columns = groups <= 100 ? 10 : 20;
    for (int g = 0; g < groups; ++g) {
        const double x = (g % columns) * 1900.0, y = (g / columns) * 700.0;
        const qint64 ckpt = doc.addNode("CheckpointLoaderSimple", x, y);
        const qint64 pos = doc.addNode("CLIPTextEncode", x + 350, y);
        const qint64 latent = doc.addNode("EmptyLatentImage", x, y + 260);
        const qint64 sampler = doc.addNode("KSampler", x + 700, y);
        doc.connectPorts(ckpt, 0, sampler, "model");
        doc.connectPorts(ckpt, 1, pos, "clip");
        doc.connectPorts(pos, 0, sampler, "positive");
        doc.connectPorts(pos, 0, sampler, "negative");
        doc.connectPorts(latent, 0, sampler, "latent_image");
        const qint64 decode = doc.addNode("VAEDecode", x + 1050, y);
        doc.connectPorts(sampler, 0, decode, "samples");
        doc.connectPorts(ckpt, 2, decode, "vae");
    }
}

double cpuMs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

int countItems(const QQuickItem* item) {
    int n = 1;
    for (const QQuickItem* child : item->childItems()) n += countItems(child);
    return n;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(std::ceil(p * double(v.size()))) - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QQuickStyle::setStyle("Basic");
    int frames = 600, nodes = 500;
    double zoom = 0;  // 0: fit all
    QString qmlDir = QStringLiteral(TESSERA_SOURCE_DIR "/qml"), screenshot;
    bool listItems = false;
    for (int i = 1; i < argc; ++i) {
        if (QString(argv[i]) == "--native-text") QQuickWindow::setTextRenderType(QQuickWindow::NativeTextRendering);
        if (QString(argv[i]) == "--list-items") listItems = true;
    }
    for (int i = 1; i + 1 < argc; ++i) {
        if (QString(argv[i]) == "--frames") frames = std::max(10, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--zoom") zoom = atof(argv[i + 1]);
        if (QString(argv[i]) == "--nodes") nodes = std::max(5, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--qml") qmlDir = QString::fromLocal8Bit(argv[i + 1]);
        if (QString(argv[i]) == "--screenshot") screenshot = QString::fromLocal8Bit(argv[i + 1]);
    }

    QTemporaryDir dir;
    EditorSession session(dir.filePath("settings.ini"));
    buildGraph(*session.document(), nodes);
    std::printf("graph: %d nodes, %d links\n", session.nodes()->rowCount(), session.links()->rowCount());

    QQmlEngine engine;
    session.exposeTo(&engine);
    QQmlComponent component(&engine);
    component.setData(QStringLiteral("import QtQuick\nimport \"file://%1\"\n"
                                     "Window { width: 1600; height: 1000; visible: true; color: \"black\"\n"
                                     "  GraphCanvas { objectName: \"canvas\"; anchors.fill: parent } }")
                          .arg(qmlDir)
                          .toUtf8(),
                      QUrl());
    QElapsedTimer loadTimer;
    loadTimer.start();
    const double loadCpu = cpuMs();
    QObject* root = component.create();
    if (!root) {
        std::fprintf(stderr, "%s\n", qPrintable(component.errorString()));
        return 1;
    }
    auto* window = qobject_cast<QQuickWindow*>(root);
    QObject* canvas = root->findChild<QObject*>("canvas");
    std::vector<double> times;
    QElapsedTimer clock;
    int frame = -30;  // warm-up frames first (creation, first layout)
    bool firstFrame = true;
    double cpuStart = 0, cpuEnd = 0;
    QObject::connect(window, &QQuickWindow::frameSwapped, window, [&] {
        if (firstFrame) {
            std::printf("first frame after %lld ms (process CPU %.0f ms since the QML started loading)\n",
                        static_cast<long long>(loadTimer.elapsed()), cpuMs() - loadCpu);
            firstFrame = false;
            QMetaObject::invokeMethod(canvas, "fitAll");
            if (zoom > 0)
                QMetaObject::invokeMethod(canvas, "zoomAt", Q_ARG(QVariant, 800.0), Q_ARG(QVariant, 500.0),
                                          Q_ARG(QVariant, zoom / canvas->property("zoom").toDouble()));
            std::printf("zoom %.3f\n", canvas->property("zoom").toDouble());
            if (!screenshot.isEmpty()) {  // once the view has come to rest (NodeItem's layers are off)
                QTimer::singleShot(1500, window, [&] {
                    const bool saved = window->grabWindow().save(screenshot);
                    std::printf("%s %s\n", saved ? "saved" : "could not save", qPrintable(screenshot));
                    app.quit();
                });
                return;
            }
        }
        if (!screenshot.isEmpty()) return;
        if (frame == 0) {
            cpuStart = cpuMs();
            std::printf("items in the scene: %d\n", countItems(window->contentItem()));
            if (listItems) {
                std::function<void(const QQuickItem*, int)> dump = [&](const QQuickItem* it, int depth) {
                    if (depth < 4) std::printf("%*s%s %s %d\n", depth * 2, "", it->metaObject()->className(), qPrintable(it->objectName()), countItems(it));
                    for (auto* c : it->childItems()) dump(c, depth + 1);
                };
                dump(window->contentItem(), 0);
            }
        }
        if (frame >= 0) times.push_back(double(clock.nsecsElapsed()) / 1e6);
        clock.restart();
        ++frame;
        if (frame >= frames) {
            cpuEnd = cpuMs();
            QTimer::singleShot(0, &app, &QCoreApplication::quit);
            return;
        }
        // First half: pan in a circle at the fitted zoom; second half: zoom in and out around the centre.
        const double t = double(std::max(frame, 0)) / frames;
        if (frame < frames / 2) {
            canvas->setProperty("panX", canvas->property("panX").toDouble() + 6 * std::cos(t * 12.566));
            canvas->setProperty("panY", canvas->property("panY").toDouble() + 6 * std::sin(t * 12.566));
        } else {
            const double factor = std::sin(t * 25.13) > 0 ? 1.01 : 1 / 1.01;
            QMetaObject::invokeMethod(canvas, "zoomAt", Q_ARG(QVariant, 800.0), Q_ARG(QVariant, 500.0),
                                      Q_ARG(QVariant, factor));
        }
        window->update();
    });
    app.exec();
    if (times.empty()) return 1;
    const double mean = std::accumulate(times.begin(), times.end(), 0.0) / double(times.size());
    std::printf("frames: %zu  mean %.2f ms (%.1f fps)  p95 %.2f ms  max %.2f ms\n", times.size(), mean, 1000 / mean,
                percentile(times, 0.95), *std::max_element(times.begin(), times.end()));
    std::printf("cpu per frame %.2f ms\n", (cpuEnd - cpuStart) / double(times.size()));
    delete root;
    return 0;
}
