#include "core/io/load_report.h"

#include <algorithm>
#include <map>

namespace tessera {

void reportPlaceholders(LoadReport& report, const std::vector<std::string>& typePerNode) {
    if (typePerNode.empty()) return;
    std::map<std::string, int> count;
    std::vector<std::string> order;
    for (const auto& t : typePerNode)
        if (count[t]++ == 0) order.push_back(t);
    std::string list;
    for (const auto& t : order) {
        if (!list.empty()) list += ", ";
        list += t;
        if (count[t] > 1) list += " (" + std::to_string(count[t]) + ")";
        if (std::find(report.unknownTypes.begin(), report.unknownTypes.end(), t) == report.unknownTypes.end())
            report.unknownTypes.push_back(t);
    }
    const size_t n = typePerNode.size();
    report.warnings.push_back(n == 1 ? "1 node of unknown type was kept as a placeholder: " + list
                                     : std::to_string(n) + " nodes of unknown types were kept as placeholders: " + list);
}

}  // namespace tessera
