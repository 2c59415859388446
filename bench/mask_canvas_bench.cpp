// Frame times of the mask editor's canvas while a long stroke is painted on a 2048x2048 image.
//   mask_canvas_bench [--frames N] [--zoom Z] [--colour]   (under xvfb-run, or with QT_QPA_PLATFORM=offscreen)
// A 1600x1000 window shows a MaskCanvas fitted to the image (or at --zoom). For brush radii 20, 80
// and 200 image pixels, each frame gets ONE mouse move 40 image pixels further along a circle
// (a fast hand: ~2400 px/s of image at 60 Hz). Reported per frame, mean / p95 / max in ms:
//   paint: the mouse event (rasterising the segment into the mask), on the GUI thread;
//   sync:  MaskCanvas::updatePaintNode (re-making the overlay tiles the segment touched);
//   frame: the time between two frameSwapped signals (paint + sync + render + swap).
// The first row ("idle") is the same number of frames with no painting: the cost of drawing the view.
// --colour paints a colour sketch instead (the sketch editor's Colour strokes: four layers).
#include "app/gui/mask_canvas.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

using tessera::editor::MaskCanvas;

namespace {

struct Stats {
    double mean = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> v) {
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    return {std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()),
            v[std::min(v.size() - 1, size_t(std::ceil(0.95 * double(v.size()))) - 1)], v.back()};
}

QString makeImage(const QString& dir) {
    QImage image(2048, 2048, QImage::Format_RGB32);
    QPainter p(&image);
    QLinearGradient g(0, 0, 2048, 2048);
    g.setColorAt(0, QColor(70, 110, 200));
    g.setColorAt(1, QColor(240, 180, 110));
    p.fillRect(image.rect(), g);
    p.end();
    const QString path = dir + "/image.png";
    image.save(path);
    return path;
}

void sendMouse(QQuickWindow& window, QEvent::Type type, QPointF pos) {
    const Qt::MouseButtons buttons = type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::LeftButton;
    const Qt::MouseButton button = type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton;
    QMouseEvent e(type, pos, window.mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QGuiApplication::sendEvent(&window, &e);
}

}  // namespace

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    int frames = 300;
    double zoom = 0;  // 0: fit
    bool colour = false;
    for (int i = 1; i < argc; ++i)
        if (QString(argv[i]) == "--colour") colour = true;
    for (int i = 1; i + 1 < argc; ++i) {
        if (QString(argv[i]) == "--frames") frames = std::max(10, atoi(argv[i + 1]));
        if (QString(argv[i]) == "--zoom") zoom = atof(argv[i + 1]);
    }
    QTemporaryDir dir;
    QQuickWindow window;
    window.resize(1600, 1000);
    window.setColor(Qt::black);
    auto* canvas = new MaskCanvas(window.contentItem());
    canvas->setSize(QSizeF(1600, 1000));
    canvas->setColourLayer(colour);
    canvas->setShowColours(colour);
    canvas->setBrushColor(QColor(255, 59, 48));
    if (!canvas->load(makeImage(dir.path()), dir.path() + "/mask.png")) {
        std::fprintf(stderr, "%s\n", qPrintable(canvas->lastError()));
        return 1;
    }
    canvas->fitToView();
    if (zoom > 0) canvas->zoomAt(800, 500, zoom / canvas->zoom());
    window.show();

    // updatePaintNode runs between these two signals (on the render thread when it is threaded).
    std::atomic<qint64> syncStart{0};
    std::vector<double> syncTimes;
    QElapsedTimer clock;
    clock.start();
    QObject::connect(&window, &QQuickWindow::beforeSynchronizing, &window,
                     [&] { syncStart = clock.nsecsElapsed(); }, Qt::DirectConnection);
    QObject::connect(&window, &QQuickWindow::afterSynchronizing, &window,
                     [&] { syncTimes.push_back(double(clock.nsecsElapsed() - syncStart) / 1e6); },
                     Qt::DirectConnection);

    std::printf("2048x2048 image, %s, window 1600x1000, zoom %.3f, %s, %d frames per radius, one 40 px move per frame\n",
                colour ? "colour sketch" : "mask", canvas->zoom(), qPrintable(QGuiApplication::platformName()), frames);
    std::printf("%7s | %26s | %26s | %26s\n", "radius", "paint ms mean/p95/max", "sync ms mean/p95/max",
                "frame ms mean/p95/max");
    const std::vector<float> radii{0, 20, 80, 200};  // 0: idle
    size_t run = 0;
    int frame = -10;  // a few frames to settle first
    std::vector<double> paintTimes, frameTimes;
    qint64 lastSwap = 0;
    auto pointAt = [&](int f) {
        const double angle = f * 40.0 / 700.0;  // 40 image px along a circle of radius 700
        return canvas->fromImage(1024 + 700 * std::cos(angle), 1024 + 700 * std::sin(angle));
    };
    QObject::connect(&window, &QQuickWindow::frameSwapped, &window, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (frame > 0) frameTimes.push_back(double(now - lastSwap) / 1e6);
        lastSwap = now;
        if (frame == 0) {
            canvas->setBrushRadius(radii[run]);
            canvas->setBrushHardness(0.5);
            syncTimes.clear();
            if (radii[run] > 0) sendMouse(window, QEvent::MouseButtonPress, pointAt(0));
        } else if (frame > 0 && frame < frames && radii[run] > 0) {
            QElapsedTimer t;
            t.start();
            sendMouse(window, QEvent::MouseMove, pointAt(frame));
            paintTimes.push_back(double(t.nsecsElapsed()) / 1e6);
        } else if (frame == frames) {
            if (radii[run] > 0) sendMouse(window, QEvent::MouseButtonRelease, pointAt(frame - 1));
            syncTimes.resize(std::min(syncTimes.size(), size_t(frames)));
            const Stats p = stats(paintTimes), s = stats(syncTimes), f = stats(frameTimes);
            std::printf("%7s | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f\n", radii[run] > 0 ? qPrintable(QString::number(radii[run])) : "idle", p.mean, p.p95,
                        p.max, s.mean, s.p95, s.max, f.mean, f.p95, f.max);
            std::fflush(stdout);
            paintTimes.clear(), frameTimes.clear();
            canvas->clear();
            frame = -5;
            if (++run == radii.size()) {
                QTimer::singleShot(0, &app, &QCoreApplication::quit);
                return;
            }
        }
        ++frame;
        window.update();
    });
    return app.exec();
}
