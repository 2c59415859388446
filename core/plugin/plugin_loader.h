#pragma once
// Finds and loads node plugins: every shared library in the plugin folders is tried; one that is
// not a Tessera plugin, was built for another interface version, fails to load, or throws while
// registering is reported by file name and skipped, and never takes the host down.
#include "core/graph/registry.h"

#include <string>
#include <vector>

namespace tessera {

struct LoadedPlugin {
    std::string name, version, file;
    std::vector<std::string> nodeTypes;
};

struct PluginReport {
    std::vector<LoadedPlugin> loaded;
    std::vector<std::string> problems;  // "<file>: <why it was skipped>"
};

// In search order: $TESSERA_PLUGIN_PATH (':'-separated), the user's folder
// (userDataDir()/plugins: $XDG_DATA_HOME/tessera/plugins or ~/.local/share/tessera/plugins), and the folder installed with the app
// (<executable>/../lib/tessera/plugins; in a build tree, build/lib/tessera/plugins next to build/app).
std::vector<std::string> pluginDirs();

// Loads the plugins of `dirs` into `registry`. Node types get `origin` = the plugin's name; a type
// that is already registered (built-in or an earlier plugin) keeps its first owner and is reported.
PluginReport loadPlugins(Registry& registry, const std::vector<std::string>& dirs);
// One plugin file.
PluginReport loadPluginFile(Registry& registry, const std::string& file);

}  // namespace tessera
