// Times mask painting on a 2048x2048 mask: one dab, one pointer-move segment, a whole stroke with
// its undo step, for brushes from small to large. "frame" is the rasterisation a 60 Hz editor does
// per frame while the pointer moves 2000 px/s (33 px per frame, one segment per tablet event at
// 240 Hz: ~8 px each).
#include "core/mask/mask_history.h"
#include "core/mask/stroke_rasterizer.h"

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace tessera::mask;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

int main() {
    MaskImage mask(2048, 2048);
    MaskHistory history;
    std::printf("2048x2048 mask, spacing 0.1 x radius, hardness 0.5, flow 0.5\n");
    std::printf("%8s %12s %14s %12s %14s %12s\n", "radius", "us/dab", "us/8px-segment", "ms/frame", "ms/2000px-stroke",
                "ms/undo");
    for (float radius : {5.0f, 20.0f, 50.0f, 150.0f, 400.0f}) {
        BrushSettings b;
        b.radius = radius;
        b.hardness = 0.5f;
        b.flow = 0.5f;
        StrokeRasterizer stroke(mask);

        // Dabs: spacing 2 x radius, so each 2r segment adds exactly one dab, none overlapping.
        BrushSettings apart = b;
        apart.spacing = 2.0f;
        const int dabs = radius > 100 ? 20 : 200;
        double t0 = now();
        stroke.begin(apart, {radius, radius + 10.0f});
        for (int i = 1; i < dabs; ++i) {
            const float x = radius + float(i) * 2.0f * radius;
            stroke.lineTo({std::fmod(x, 2048.0f), radius + 10.0f + 2.0f * radius * std::floor(x / 2048.0f)});
        }
        const double perDab = (now() - t0) / dabs;
        history.push(stroke.end());

        // A long stroke in 8 px segments, like pointer events.
        t0 = now();
        StrokeRasterizer s(mask);
        s.begin(b, {20.0f, 1000.0f});
        const int segments = 250;
        for (int i = 1; i <= segments; ++i) {
            const float x = 20.0f + 8.0f * float(i);
            s.lineTo({x, 1000.0f + 300.0f * std::sin(x / 200.0f), 1.0f});
        }
        const double strokeTime = now() - t0;
        MaskEdit edit = s.end();
        const double endTime = now() - t0 - strokeTime;
        history.push(std::move(edit));
        t0 = now();
        history.undo(mask);
        const double undoTime = now() - t0;
        history.redo(mask);

        const double perSegment = strokeTime / segments;
        std::printf("%8.0f %12.2f %14.2f %12.3f %14.2f %12.3f   (stroke end %.2f ms, %d dabs)\n", radius, perDab * 1e6,
                    perSegment * 1e6, perSegment * 4 * 1e3, (strokeTime + endTime) * 1e3, undoTime * 1e3,
                    endTime * 1e3, s.dabCount());
    }
    std::printf("history: %zu steps, %.1f MB\n", history.undoSteps(), double(history.bytesUsed()) / 1048576.0);
    return 0;
}
