// The image-adjust node plugin: the example of how a plugin is written (see plugins/README.md).
#include "core/plugin/node_plugin.h"
#include "plugins/image_adjust/image_adjust_nodes.h"

#include <QObject>

namespace tessera::plugins::image_adjust {

class ImageAdjustPlugin : public QObject, public NodePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TesseraNodePlugin_iid FILE "image_adjust_plugin.json")
    Q_INTERFACES(tessera::NodePlugin)

public:
    std::string pluginName() const override { return "image-adjust"; }
    std::string pluginVersion() const override { return "1.0.0"; }
    void registerNodes(Registry& registry) override {
        for (NodeDecl& decl : nodeDecls()) registry.add(std::move(decl));
    }
};

}  // namespace tessera::plugins::image_adjust

#include "image_adjust_plugin.moc"
