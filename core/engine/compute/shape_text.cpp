#include "core/engine/compute/shape_text.h"

namespace tessera::engine {

std::string shapeText(c10::IntArrayRef sizes) {
    std::string out = "[";
    for (size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
    return out + "]";
}

}  // namespace tessera::engine
