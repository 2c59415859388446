// Frame times of the editor canvas with a 500-node / 700-link graph while it pans and zooms.
//   editor_frame_bench [--frames N] [--zoom Z] [--nodes N] [--qml DIR] [--screenshot FILE.png]
//                     [--native-text] [--list-items] [--stream N] [--stream-hz HZ] [--stream-size PX]
//                     [--unthrottled]
// Run it under xvfb-run with QT_QPA_PLATFORM=xcb (Qt Quick then renders with OpenGL, llvmpipe),
// or with QT_QPA_PLATFORM=offscreen (the software renderer).
// Without --zoom the view starts fitted to the whole graph; with it, at zoom Z around the middle.
// --nodes: a multiple of 5 (default 500). --qml: the canvas QML from another folder (an older
// copy, to compare). --screenshot: no timing; the view at rest is saved as a PNG.
// --native-text: Text items rasterised by the platform instead of Qt's distance fields.
// --list-items: the scene's items four levels deep, each with the size of its subtree.
// Besides wall time between frames it prints the process CPU time (all threads, llvmpipe's too)
// per frame, which says more than wall time on a machine shared with other work.
// --stream N: while it pans and zooms, the N KSamplers nearest the graph's centre get a new
// PX² preview (default 256) HZ times a second each (default 10) at 60 frames a second, the way
// RunController hands them on during a run: PreviewStore::put, then PreviewPublisher (at most one
// model update a frame, none for nodes without a delegate). They are posted every 60/HZ frames
// rather than by the clock, so each run does the same preview work per frame however loaded the
// machine is. --unthrottled: straight to NodeListModel instead, as before the publisher.
// The graph is built through GraphDocument (100 copies of checkpoint → prompt (positive and
// negative) + empty latent → KSampler → VAE decode: 5 nodes, 7 links each). Each frame moves the view a little; the time
// between QQuickWindow::frameSwapped signals is the frame time.
#include "app/editor/editor_session.h"
#include "app/editor/graph_document.h"
#include "app/editor/link_list_model.h"
#include "app/editor/node_list_model.h"
#include "app/editor/preview_publisher.h"
#include "app/editor/preview_store.h"

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

struct BenchSampler {
    qint64 id;
    double x, y;
};

std::vector<BenchSampler> buildGraph(GraphDocument& doc, int nodes) {
    std::vector<BenchSampler> samplers;
    const int groups = std::max(1, nodes / 5), columns = groups <= 100 ? 10 : 20;
    for (int g = 0; g < groups; ++g) {
        const double x = (g % columns) * 1900.0, y = (g / columns) * 700.0;
        const qint64 ckpt = doc.addNode("CheckpointLoaderSimple", x, y);
        const qint64 pos = doc.addNode("CLIPTextEncode", x + 350, y);
        const qint64 latent = doc.addNode("EmptyLatentImage", x, y + 260);
        const qint64 sampler = doc.addNode("KSampler", x + 700, y);
        samplers.push_back({sampler, x + 700, y});
        doc.connectPorts(ckpt, 0, sampler, "model");
        doc.connectPorts(ckpt, 1, pos, "clip");
        doc.connectPorts(pos, 0, sampler, "positive");
        doc.connectPorts(pos, 0, sampler, "negative");
        doc.connectPorts(latent, 0, sampler, "latent_image");
        const qint64 decode = doc.addNode("VAEDecode", x + 1050, y);
        doc.connectPorts(sampler, 0, decode, "samples");
        doc.connectPorts(ckpt, 2, decode, "vae");
    }
    return samplers;
}

// The N samplers nearest the middle of the graph: some in view at zoom 1, most not.
std::vector<qint64> streamingNodes(std::vector<BenchSampler> samplers, int count) {
    double cx = 0, cy = 0;
    for (const auto& s : samplers) cx += s.x / double(samplers.size()), cy += s.y / double(samplers.size());
    std::sort(samplers.begin(), samplers.end(), [&](const BenchSampler& a, const BenchSampler& b) {
        return std::hypot(a.x - cx, a.y - cy) < std::hypot(b.x - cx, b.y - cy);
    });
    std::vector<qint64> ids;
    for (int i = 0; i < count && i < int(samplers.size()); ++i) ids.push_back(samplers[size_t(i)].id);
    return ids;
}

// A few different previews to cycle through (a real run converts each one on its worker thread).
std::vector<QImage> benchPreviewImages(int size) {
    std::vector<QImage> images;
    for (int k = 0; k < 8; ++k) {
        QImage image(size, size, QImage::Format_RGB888);
        for (int y = 0; y < size; ++y) {
            uchar* line = image.scanLine(y);
            for (int x = 0; x < size; ++x) {
                line[3 * x] = uchar((x * 255 / size + k * 31) & 255);
                line[3 * x + 1] = uchar((y * 255 / size) ^ (k * 17));
                line[3 * x + 2] = uchar((x ^ y) + k * 9);
            }
        }
        images.push_back(image);
    }
    return images;
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
    bool listItems = false, unthrottled = false;
    int streamCount = 0, streamHz = 10, streamSize = 256;
    for (int i = 1; i < argc; ++i) {
        if (QString(argv[i]) == "--native-text") QQuickWindow::setTextRenderType(QQuickWindow::NativeTextRendering);
        if (QString(argv[i]) == "--list-items") listItems = true;
        if (QString(argv[i]) == "--unthrottled") unthrottled = true;
    }
    for (int i = 1; i + 1 < argc; ++i) {
        if (QString(argv[i]) == "--frames") frames = std::max(10, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--zoom") zoom = atof(argv[i + 1]);
        if (QString(argv[i]) == "--nodes") nodes = std::max(5, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--qml") qmlDir = QString::fromLocal8Bit(argv[i + 1]);
        if (QString(argv[i]) == "--screenshot") screenshot = QString::fromLocal8Bit(argv[i + 1]);
        if (QString(argv[i]) == "--stream") streamCount = std::max(0, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--stream-hz") streamHz = std::max(1, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--stream-size") streamSize = std::max(8, atoi(argv[i + 1]));
    }

    QTemporaryDir dir;
    EditorSession session(dir.filePath("settings.ini"));
    const std::vector<qint64> streamed = streamingNodes(buildGraph(*session.document(), nodes), streamCount);
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
    // Previews streamed into `streamed` while the frames are timed.
    const std::vector<QImage> previewImages = streamCount > 0 ? benchPreviewImages(streamSize) : std::vector<QImage>();
    int previewsPosted = 0;
    const int framesPerPreview = std::max(1, int(std::lround(60.0 / streamHz)));
    auto streamPreviews = [&] {
        for (qint64 id : streamed) {
            const QString url = session.previews()->put(id, previewImages[size_t(previewsPosted++) % previewImages.size()]);
            if (unthrottled)
                session.nodes()->setPreview(id, url);
            else
                session.previewPublisher()->post(id, url);
        }
    };
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
        if (frame >= 0 && frame % framesPerPreview == 0) streamPreviews();
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
    if (!streamed.empty()) {
        const PreviewPublisher* publisher = session.previewPublisher();
        std::printf("previews: %d posted into %zu nodes (%d Hz, %d px), %s\n", previewsPosted, streamed.size(),
                    streamHz, streamSize,
                    unthrottled ? "each straight to the model"
                                : qPrintable(QStringLiteral("%1 model updates for shown nodes, %2 silent")
                                                 .arg(publisher->shownUpdates())
                                                 .arg(publisher->silentUpdates())));
    }
    delete root;
    return 0;
}
