#include "core/mask/brush.h"

#include <algorithm>

namespace tessera::mask {

float dabStrength(float distance, float radius, float hardness) {
    if (distance >= radius) return 0.0f;
    const float antialias = std::min(1.0f, radius - distance);  // the last pixel ramps down to 0 at the radius
    const float core = std::clamp(hardness, 0.0f, 1.0f) * radius;
    if (distance <= core) return antialias;
    const float t = (distance - core) / (radius - core);
    return (1.0f - t * t * (3.0f - 2.0f * t)) * antialias;
}

float dabRadius(const BrushSettings& brush, float pressure) {
    const float p = std::clamp(pressure, 0.0f, 1.0f);
    const float scale = brush.pressure.size ? brush.pressure.minimumSize + (1.0f - brush.pressure.minimumSize) * p : 1.0f;
    return std::max(0.5f, brush.radius * scale);
}

float dabOpacity(const BrushSettings& brush, float pressure) {
    const float o = std::clamp(brush.opacity, 0.0f, 1.0f);
    return brush.pressure.opacity ? o * std::clamp(pressure, 0.0f, 1.0f) : o;
}

}  // namespace tessera::mask
