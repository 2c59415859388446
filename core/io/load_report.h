#pragma once
// What a loader wants the user to know about a file it could read: values it had to adjust,
// links it dropped, node types this build does not know.
#include <string>
#include <vector>

namespace tessera {

struct LoadReport {
    std::vector<std::string> warnings;
    std::vector<std::string> unknownTypes;  // each type once, in the order first met
};

// Records the unknown types of placeholder nodes (one entry per node, in file order) and adds
// one warning: "3 nodes of unknown types were kept as placeholders: FooNode (2), BarNode".
void reportPlaceholders(LoadReport& report, const std::vector<std::string>& typePerNode);

}  // namespace tessera
