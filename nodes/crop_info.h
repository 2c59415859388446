#pragma once
// CROP_INFO: where InpaintCrop cut its crop out of the source image and how it resized it, so
// InpaintStitch can put the inpainted crop back exactly there.
#include "core/graph/value.h"

#include <cstdint>
#include <string>

namespace tessera::nodes {

struct CropRect {
    int64_t x = 0, y = 0, width = 0, height = 0;
    bool operator==(const CropRect&) const = default;
};

struct CropInfoValue : Object {
    CropRect rect;                             // in the source image
    int64_t sourceWidth = 0, sourceHeight = 0;
    int64_t resizedWidth = 0, resizedHeight = 0;  // of the crop handed to the model
    std::string typeName() const override { return "CROP_INFO"; }
    size_t byteSize() const override { return sizeof(CropInfoValue); }
};

}  // namespace tessera::nodes
