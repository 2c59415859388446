#pragma once
// Where Tessera keeps per-user data, and ':'-separated folder lists from the environment, shared by
// the models folders and the plugin folders.
#include <string>
#include <vector>

namespace tessera {

// $XDG_DATA_HOME/tessera, else ~/.local/share/tessera; empty when neither variable is set.
std::string userDataDir();

// The non-empty entries of the ':'-separated environment variable `name` (none when unset).
std::vector<std::string> pathListFromEnv(const char* name);

}  // namespace tessera
