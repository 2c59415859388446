#include "core/common/user_paths.h"

#include <cstdlib>
#include <sstream>

namespace tessera {

std::string userDataDir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/tessera";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/share/tessera";
    return {};
}

std::vector<std::string> pathListFromEnv(const char* name) {
    std::vector<std::string> out;
    const char* list = std::getenv(name);
    if (!list) return out;
    std::stringstream s(list);
    for (std::string part; std::getline(s, part, ':');)
        if (!part.empty()) out.push_back(part);
    return out;
}

}  // namespace tessera
