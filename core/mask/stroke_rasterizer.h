#pragma once
// Paints brush strokes onto a MaskImage, Krita-like. Each stroke has its own float coverage
// buffer (kept per 64x64 tile, only where the brush went): a dab raises it towards the dab's
// opacity by flow x strength, so overlapping dabs build up but never pass the opacity. The
// buffer is composited onto the mask as it was when the stroke began: paint = over
// (m + s(v-m), v = the brush's value: 1 for coverage), erase = m(1-s). Every call returns the
// rectangle of pixels it changed. Follower layers (a colour sketch's colour channels) take the
// same stroke coverage in the same pass, each towards its own value.
#include "core/mask/brush.h"
#include "core/mask/mask_edit.h"
#include "core/mask/mask_history.h"

#include <memory>
#include <vector>

namespace tessera::mask {

// A layer painted in step with the mask, towards `value`.
struct FollowerLayer {
    MaskImage* image = nullptr;
    float value = 0;
};

class StrokeRasterizer {
public:
    explicit StrokeRasterizer(MaskImage& mask);
    ~StrokeRasterizer();
    StrokeRasterizer(const StrokeRasterizer&) = delete;
    StrokeRasterizer& operator=(const StrokeRasterizer&) = delete;

    // Starts a stroke with a dab at `p` (a stroke in progress is ended and its edit dropped).
    PixelRect begin(const BrushSettings& brush, StrokePoint p);
    // Dabs along the segment from the previous point to `p`, `spacing x radius` apart; the
    // distance left over carries into the next segment. Pressure is interpolated along it.
    PixelRect lineTo(StrokePoint p);
    // Ends the stroke; its changed tiles, before and after, for MaskHistory (the followers' edits
    // are dropped: use endLayers when there are followers).
    MaskEdit end();
    // Ends the stroke: the mask's edit, then each follower's.
    MaskStep endLayers();
    // The layers the next strokes also paint; each of the mask's size (else throws tessera::Error).
    // Takes effect at the next begin().
    void setFollowers(std::vector<FollowerLayer> followers);

    bool active() const { return active_; }
    int dabCount() const { return dabs_; }  // dabs placed in the current (or last) stroke

private:
    struct Tile;
    PixelRect dab(float cx, float cy, float pressure);
    Tile& tile(int index);

    MaskImage& mask_;
    std::vector<FollowerLayer> followers_, nextFollowers_;
    BrushSettings brush_;
    bool active_ = false;
    StrokePoint last_;
    float sinceDab_ = 0;  // distance travelled since the last dab
    int dabs_ = 0;
    std::vector<std::unique_ptr<Tile>> tiles_;
    std::vector<int> touched_;
};

// A whole straight stroke from `a` to `b` (Shift-click); `dirty` receives the changed rectangle.
MaskEdit paintLine(MaskImage& mask, const BrushSettings& brush, StrokePoint a, StrokePoint b,
                   PixelRect* dirty = nullptr);

}  // namespace tessera::mask
