// Declares interface major version 99: the host must refuse it without running any of its code.
#include "tests/plugin_fixtures/fixture_plugin.h"

class WrongInterfacePlugin : public QObject, public tessera::NodePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "org.tessera.NodePlugin/99")
    Q_INTERFACES(tessera::NodePlugin)
public:
    std::string pluginName() const override { return "wrong-interface"; }
    std::string pluginVersion() const override { return "1"; }
    void registerNodes(tessera::Registry& r) override { r.add(tessera::fixtures::fixtureDecl("FixtureNode_wrong")); }
};

#include "wrong_interface.moc"
