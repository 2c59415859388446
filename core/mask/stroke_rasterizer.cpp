#include "core/mask/stroke_rasterizer.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tessera::mask {

namespace {

// One pixel of a layer: `before` (when the stroke began) under stroke coverage `s`; whether it changed.
inline bool strokeComposite(uint8_t& out, uint8_t before, float s, float value, bool erase) {
    const float m0 = float(before) * (1.0f / 255.0f);
    const uint8_t v = coverageByte(erase ? m0 * (1.0f - s) : m0 + s * (value - m0));
    if (out == v) return false;
    out = v;
    return true;
}

}  // namespace

struct StrokeRasterizer::Tile {
    PixelRect rect;
    std::vector<uint8_t> before;  // the mask when the stroke began
    std::vector<std::vector<uint8_t>> followersBefore;
    std::vector<float> stroke;    // this stroke's coverage 0..opacity
};

StrokeRasterizer::StrokeRasterizer(MaskImage& mask) : mask_(mask) {}
StrokeRasterizer::~StrokeRasterizer() = default;

StrokeRasterizer::Tile& StrokeRasterizer::tile(int index) {
    auto& slot = tiles_[size_t(index)];
    if (!slot) {
        slot = std::make_unique<Tile>();
        slot->rect = tileRect(mask_, index);
        slot->before = readTile(mask_, index);
        for (const auto& f : followers_) slot->followersBefore.push_back(readTile(*f.image, index));
        slot->stroke.assign(slot->before.size(), 0.0f);
        touched_.push_back(index);
    }
    return *slot;
}

PixelRect StrokeRasterizer::begin(const BrushSettings& brush, StrokePoint p) {
    if (active_) end();
    followers_ = nextFollowers_;
    brush_ = brush;
    brush_.spacing = std::clamp(brush.spacing, 0.01f, 10.0f);
    brush_.flow = std::clamp(brush.flow, 0.0f, 1.0f);
    tiles_.clear();
    tiles_.resize(size_t(tileColumns(mask_)) * size_t(tileRows(mask_)));
    touched_.clear();
    active_ = true;
    dabs_ = 0;
    last_ = p;
    sinceDab_ = 0;
    return dab(p.x, p.y, p.pressure);
}

PixelRect StrokeRasterizer::lineTo(StrokePoint p) {
    if (!active_) return {};
    PixelRect dirty;
    const float dx = p.x - last_.x, dy = p.y - last_.y;
    const float length = std::sqrt(dx * dx + dy * dy);
    const auto pressureAt = [&](float t) { return last_.pressure + (p.pressure - last_.pressure) * t; };
    float at = -sinceDab_;  // where the previous dab was, measured along this segment from last_
    for (;;) {
        const float radius = dabRadius(brush_, pressureAt(length > 0 ? std::max(0.0f, at) / length : 1.0f));
        const float next = at + std::max(0.5f, brush_.spacing * radius);
        if (next > length) break;
        const float t = next / length;
        dirty = dirty.united(dab(last_.x + dx * t, last_.y + dy * t, pressureAt(t)));
        at = next;
    }
    sinceDab_ = length - at;
    last_ = p;
    return dirty;
}

PixelRect StrokeRasterizer::dab(float cx, float cy, float pressure) {
    const float r = dabRadius(brush_, pressure);
    const float opacity = dabOpacity(brush_, pressure);
    const PixelRect box = PixelRect{int(std::floor(cx - r)), int(std::floor(cy - r)), 0, 0};
    const PixelRect area =
        PixelRect{box.x, box.y, int(std::ceil(cx + r)) - box.x, int(std::ceil(cy + r)) - box.y}.intersected(mask_.bounds());
    ++dabs_;
    if (area.empty() || opacity <= 0 || brush_.flow <= 0) return {};

    const int columns = tileColumns(mask_);
    std::vector<uint8_t*> followerRows(followers_.size());
    const float hardness = std::clamp(brush_.hardness, 0.0f, 1.0f);
    // Inside this radius the dab is at full strength: no square root, no fall-off.
    const float solid = std::min(hardness * r, r - 1.0f);
    const float solid2 = solid > 0 ? solid * solid : -1.0f;
    int minX = area.right(), minY = area.bottom(), maxX = -1, maxY = -1;
    for (int ty = area.y / kTileSize; ty <= (area.bottom() - 1) / kTileSize; ++ty) {
        for (int tx = area.x / kTileSize; tx <= (area.right() - 1) / kTileSize; ++tx) {
            Tile& t = tile(ty * columns + tx);
            const PixelRect part = area.intersected(t.rect);
            for (int y = part.y; y < part.bottom(); ++y) {
                const float fy = float(y) + 0.5f - cy;
                const float halfWidth2 = r * r - fy * fy;
                if (halfWidth2 <= 0) continue;
                const float halfWidth = std::sqrt(halfWidth2);
                const int x0 = std::max(part.x, int(std::floor(cx - halfWidth - 0.5f)));
                const int x1 = std::min(part.right(), int(std::ceil(cx + halfWidth + 0.5f)));
                const size_t rowStart = size_t(y - t.rect.y) * size_t(t.rect.width) - size_t(t.rect.x);
                uint8_t* out = mask_.row(y);
                for (size_t k = 0; k < followers_.size(); ++k) followerRows[k] = followers_[k].image->row(y);
                for (int x = x0; x < x1; ++x) {
                    const float fx = float(x) + 0.5f - cx;
                    const float d2 = fx * fx + fy * fy;
                    const float a = d2 <= solid2 ? brush_.flow : dabStrength(std::sqrt(d2), r, hardness) * brush_.flow;
                    if (a <= 0) continue;
                    float& s = t.stroke[rowStart + size_t(x)];
                    if (s >= opacity) continue;
                    s += (opacity - s) * a;
                    const size_t i = rowStart + size_t(x);
                    bool changed = strokeComposite(out[x], t.before[i], s, brush_.value, brush_.erase);
                    for (size_t k = 0; k < followers_.size(); ++k)
                        changed |= strokeComposite(followerRows[k][x], t.followersBefore[k][i], s, followers_[k].value,
                                                   brush_.erase);
                    if (!changed) continue;
                    minX = std::min(minX, x), maxX = std::max(maxX, x);
                    minY = std::min(minY, y), maxY = std::max(maxY, y);
                }
            }
        }
    }
    if (maxX < 0) return {};
    return {minX, minY, maxX - minX + 1, maxY - minY + 1};
}

MaskEdit StrokeRasterizer::end() { return std::move(endLayers().front()); }

MaskStep StrokeRasterizer::endLayers() {
    MaskStep step;
    step.push_back({mask_.width(), mask_.height(), {}, {}});
    for (const auto& f : followers_) step.push_back({f.image->width(), f.image->height(), {}, {}});
    if (!active_) return step;
    active_ = false;
    std::sort(touched_.begin(), touched_.end());
    const auto keep = [](MaskEdit& edit, const Tile& t, int index, std::vector<uint8_t>& before, std::vector<uint8_t> after) {
        if (after == before) return;
        edit.rect = edit.rect.united(t.rect);
        edit.tiles.push_back({index, std::move(before), std::move(after)});
    };
    for (int index : touched_) {
        Tile& t = *tiles_[size_t(index)];
        keep(step[0], t, index, t.before, readTile(mask_, index));
        for (size_t k = 0; k < followers_.size(); ++k)
            keep(step[k + 1], t, index, t.followersBefore[k], readTile(*followers_[k].image, index));
    }
    tiles_.clear();
    touched_.clear();
    return step;
}

void StrokeRasterizer::setFollowers(std::vector<FollowerLayer> followers) {
    for (const auto& f : followers)
        if (!f.image || f.image->width() != mask_.width() || f.image->height() != mask_.height())
            throw Error("a layer painted along with a " + std::to_string(mask_.width()) + "x" +
                        std::to_string(mask_.height()) + " mask must be that size too");
    nextFollowers_ = std::move(followers);
}

MaskEdit paintLine(MaskImage& mask, const BrushSettings& brush, StrokePoint a, StrokePoint b, PixelRect* dirty) {
    StrokeRasterizer stroke(mask);
    PixelRect changed = stroke.begin(brush, a);
    changed = changed.united(stroke.lineTo(b));
    if (dirty) *dirty = changed;
    return stroke.end();
}

}  // namespace tessera::mask
