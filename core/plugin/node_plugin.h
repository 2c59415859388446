#pragma once
// The interface a node plugin implements: a Qt plugin (shared library) whose root object is a
// NodePlugin. It declares node types with the same NodeDecl the built-in nodes use and runs them
// with the same NodeContext (inputs, progress, previews, cancellation), on the same values
// (nodes/values.h: IMAGE, MASK, LATENT, ... as libtorch tensors).
//
//   class MyPlugin : public QObject, public tessera::NodePlugin {
//       Q_OBJECT
//       Q_PLUGIN_METADATA(IID TesseraNodePlugin_iid FILE "my_plugin.json")
//       Q_INTERFACES(tessera::NodePlugin)
//   public:
//       std::string pluginName() const override { return "my-plugin"; }
//       std::string pluginVersion() const override { return "1.0"; }
//       void registerNodes(tessera::Registry& r) override { r.add(myNodeDecl()); }
//   };
//
// Versioning: the interface id carries the major version (a plugin built for another major
// version is refused before any of its code runs); kNodePluginApiVersion is the minor version the
// plugin was compiled against, and the host refuses plugins newer than itself.
#include "core/graph/registry.h"

#include <QtPlugin>

#include <string>

namespace tessera {

inline constexpr int kNodePluginApiMajor = 1;
// Minor versions: 1 the first; 2 NodeContext::note (what a node tells the user, not an error).
inline constexpr int kNodePluginApiVersion = 2;  // minor, within major 1

class NodePlugin {
public:
    virtual ~NodePlugin() = default;
    // Compiled into the plugin from this header: do not override.
    virtual int apiVersion() const { return kNodePluginApiVersion; }
    virtual std::string pluginName() const = 0;     // shown in messages and in node menus
    virtual std::string pluginVersion() const = 0;
    // Adds the plugin's node types. Throwing (tessera::Error or any exception) skips the plugin.
    virtual void registerNodes(Registry& registry) = 0;
};

}  // namespace tessera

#define TesseraNodePlugin_iid "org.tessera.NodePlugin/1"
Q_DECLARE_INTERFACE(tessera::NodePlugin, TesseraNodePlugin_iid)
