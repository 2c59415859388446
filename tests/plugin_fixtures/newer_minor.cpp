// Built against a newer minor version of the interface than the host has.
#include "tests/plugin_fixtures/fixture_plugin.h"

class NewerMinorPlugin : public QObject, public tessera::NodePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TesseraNodePlugin_iid)
    Q_INTERFACES(tessera::NodePlugin)
public:
    int apiVersion() const override { return tessera::kNodePluginApiVersion + 1; }
    std::string pluginName() const override { return "newer-minor"; }
    std::string pluginVersion() const override { return "1"; }
    void registerNodes(tessera::Registry& r) override { r.add(tessera::fixtures::fixtureDecl("FixtureNode_newer")); }
};

#include "newer_minor.moc"
