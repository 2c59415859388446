#pragma once
// An image file's width and height read from its header, before anything is decoded: so a node can
// refuse an image too large for the memory available instead of letting the decoder allocate it.
// PNG, JPEG, WebP, BMP and TIFF (the formats LoadImage reads); no OpenCV, no torch, no engine (so the
// image_decode fuzzer links it without them).
#include <cstdint>
#include <optional>
#include <vector>

namespace tessera::nodes {

struct ImageDimensions {
    uint64_t width = 0, height = 0;
    uint64_t pixels() const { return width * height; }
};

// Nothing for another format or a header cut short (the decoder then says what is wrong).
std::optional<ImageDimensions> readImageDimensions(const uint8_t* data, size_t size);
inline std::optional<ImageDimensions> readImageDimensions(const std::vector<uint8_t>& bytes) {
    return readImageDimensions(bytes.data(), bytes.size());
}

// Whether the bytes start exactly like a PNG, JPEG, WebP, BMP or TIFF file, as OpenCV's decoders for
// them check: imdecode tries every decoder it has, and one of the others (GDCM's DICOM reader)
// aborts the process on a malformed file, so nothing else is handed to it.
bool hasLoadableImageSignature(const uint8_t* data, size_t size);

// Decoding an image file of `pixels` pixels into the node's float32 RGB (and alpha) tensors.
uint64_t imageDecodeBytes(uint64_t pixels);

}  // namespace tessera::nodes
