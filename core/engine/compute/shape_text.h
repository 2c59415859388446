#pragma once
// A tensor shape as messages show it: "[1, 4, 64, 64]".
#include <c10/util/ArrayRef.h>

#include <string>

namespace tessera::engine {

std::string shapeText(c10::IntArrayRef sizes);

}  // namespace tessera::engine
