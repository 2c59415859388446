// Throws while registering: the host reports it and keeps going, with none of its types.
#include "tests/plugin_fixtures/fixture_plugin.h"

#include <stdexcept>

class ThrowingPlugin : public QObject, public tessera::NodePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TesseraNodePlugin_iid)
    Q_INTERFACES(tessera::NodePlugin)
public:
    std::string pluginName() const override { return "throws"; }
    std::string pluginVersion() const override { return "1"; }
    void registerNodes(tessera::Registry& r) override {
        r.add(tessera::fixtures::fixtureDecl("FixtureNode_half_registered"));
        throw std::runtime_error("the plugin's model file is missing");
    }
};

#include "throws_on_register.moc"
