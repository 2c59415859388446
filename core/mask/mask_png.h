#pragma once
// A painted mask on disk: a single-channel 8-bit greyscale PNG (white = repaint), the file the
// PaintedMask node reads from the input folder and the .tessera bundle carries.
#include "core/mask/mask_image.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::mask {

std::vector<uint8_t> encodeMaskPng(const MaskImage& mask);
// Reads 8- or 16-bit greyscale PNGs (16-bit samples rounded to 8 bits), not interlaced.
// Throws tessera::Error naming `what` for anything else.
MaskImage decodeMaskPng(const std::vector<uint8_t>& png, const std::string& what);

}  // namespace tessera::mask
