#pragma once
// Brush settings and the dab profile, Krita-like:
//   coverage of one dab at distance d = strength(d) * flow, strength = 1 up to hardness*radius,
//   then a smoothstep fall-off to 0 at the radius; the last pixel before the radius is
//   anti-aliased so even hardness 1 has a clean edge.
//   Within one stroke the coverage never exceeds opacity, however many dabs overlap.
namespace tessera::mask {

// What tablet pressure drives. Pressure 1 (a mouse) leaves the brush as set.
struct PressureMapping {
    bool size = true;
    bool opacity = false;
    float minimumSize = 0.1f;  // radius fraction at pressure 0
};

struct BrushSettings {
    float radius = 32.0f;   // pixels of the IMAGE
    float hardness = 0.8f;  // 0..1: fraction of the radius at full strength
    float opacity = 1.0f;   // 0..1: the most coverage one stroke adds
    float flow = 1.0f;      // 0..1: what one dab adds towards the opacity
    float spacing = 0.1f;   // distance between dabs as a fraction of the radius
    bool erase = false;
    // What painting moves a pixel towards: 1 for coverage; one channel of the colour for a colour
    // sketch's premultiplied colour layers (erasing always moves towards 0).
    float value = 1.0f;
    PressureMapping pressure;
};

// One input sample of a stroke: image-pixel position (pixel centres at +0.5) and pressure 0..1.
struct StrokePoint {
    float x = 0, y = 0;
    float pressure = 1.0f;
};

// Strength 0..1 of a dab of `radius` and `hardness` at `distance` from its centre.
float dabStrength(float distance, float radius, float hardness);

// Radius and opacity of a dab at `pressure` (clamped to 0..1); the radius is at least 0.5 px.
float dabRadius(const BrushSettings& brush, float pressure);
float dabOpacity(const BrushSettings& brush, float pressure);

}  // namespace tessera::mask
