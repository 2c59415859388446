#include "core/graph/port_types.h"

namespace tessera::types {

bool isWidgetType(std::string_view type) {
    return type == Int || type == Float || type == String || type == Boolean || type == Combo;
}

bool compatible(std::string_view from, std::string_view to) {
    if (from == "*" || to == "*") return true;
    if (from == to) return true;
    // A number output may feed the other number kind's input, as ComfyUI's primitive nodes allow.
    return (from == Int && to == Float);
}

}  // namespace tessera::types
