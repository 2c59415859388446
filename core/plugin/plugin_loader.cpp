#include "core/plugin/plugin_loader.h"

#include "core/common/user_paths.h"
#include "core/plugin/node_plugin.h"

#include <QDir>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>

#include <filesystem>
#include <set>

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string fileNameOf(const std::string& path) { return fs::path(path).filename().string(); }

std::string executableDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

// Copies what a plugin registered into the host's registry, owned by the plugin.
void adopt(const Registry& scratch, Registry& registry, LoadedPlugin& plugin, PluginReport& report) {
    for (const NodeDecl* d : scratch.all()) {
        NodeDecl decl = *d;
        decl.origin = plugin.name;
        if (const NodeDecl* existing = registry.find(decl.type)) {
            report.problems.push_back(plugin.file + ": node type '" + decl.type + "' is already provided by " +
                                      existing->origin + "; the plugin's one is skipped");
            continue;
        }
        registry.add(std::move(decl));
        plugin.nodeTypes.push_back(d->type);
    }
}

}  // namespace

std::vector<std::string> pluginDirs() {
    std::vector<std::string> dirs = pathListFromEnv("TESSERA_PLUGIN_PATH");
    if (const std::string data = userDataDir(); !data.empty()) dirs.push_back(data + "/plugins");
    const std::string exeDir = executableDir();
    if (!exeDir.empty()) dirs.push_back((fs::path(exeDir) / ".." / "lib" / "tessera" / "plugins").lexically_normal().string());
    return dirs;
}

PluginReport loadPluginFile(Registry& registry, const std::string& file) {
    PluginReport report;
    const std::string name = fileNameOf(file);
    // Deliberately never unloaded: node declarations point into the library until the process ends.
    QPluginLoader loader(QString::fromStdString(file));
    const QString iid = loader.metaData().value("IID").toString();
    if (loader.metaData().isEmpty()) {
        report.problems.push_back(name + ": not a Qt plugin (" + loader.errorString().toStdString() + ")");
        return report;
    }
    if (!iid.startsWith("org.tessera.NodePlugin/")) {
        report.problems.push_back(name + ": not a Tessera node plugin (interface '" + iid.toStdString() + "')");
        return report;
    }
    if (iid != TesseraNodePlugin_iid) {
        report.problems.push_back(name + ": built for plugin interface " + iid.toStdString() + ", this Tessera has " +
                                  TesseraNodePlugin_iid + "; rebuild the plugin against this version");
        return report;
    }
    QObject* root = loader.instance();
    auto* plugin = qobject_cast<NodePlugin*>(root);
    if (!plugin) {
        report.problems.push_back(name + ": could not be loaded (" + loader.errorString().toStdString() + ")");
        return report;
    }
    LoadedPlugin loaded;
    loaded.file = name;
    try {
        if (plugin->apiVersion() > kNodePluginApiVersion) {
            report.problems.push_back(name + ": needs plugin interface 1." + std::to_string(plugin->apiVersion()) +
                                      ", this Tessera has 1." + std::to_string(kNodePluginApiVersion) +
                                      "; update Tessera or use an older build of the plugin");
            return report;
        }
        loaded.name = plugin->pluginName();
        loaded.version = plugin->pluginVersion();
        if (loaded.name.empty()) loaded.name = name;
        Registry scratch;
        plugin->registerNodes(scratch);
        adopt(scratch, registry, loaded, report);
    } catch (const std::exception& e) {
        report.problems.push_back(name + ": failed while registering its nodes: " + e.what());
        return report;
    } catch (...) {
        report.problems.push_back(name + ": failed while registering its nodes (unknown error)");
        return report;
    }
    report.loaded.push_back(std::move(loaded));
    return report;
}

PluginReport loadPlugins(Registry& registry, const std::vector<std::string>& dirs) {
    PluginReport report;
    std::set<std::string> seen;  // a plugin in two folders loads from the first
    for (const std::string& dir : dirs) {
        const QDir folder(QString::fromStdString(dir));
        if (!folder.exists()) continue;
        for (const QString& entry : folder.entryList(QDir::Files, QDir::Name)) {
            if (!QLibrary::isLibrary(entry) || !seen.insert(entry.toStdString()).second) continue;
            PluginReport one = loadPluginFile(registry, folder.filePath(entry).toStdString());
            for (auto& p : one.loaded) report.loaded.push_back(std::move(p));
            for (auto& p : one.problems) report.problems.push_back(std::move(p));
        }
    }
    return report;
}

}  // namespace tessera
