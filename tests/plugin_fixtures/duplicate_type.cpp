// Registers a type the built-in nodes already have, and one of its own.
#include "tests/plugin_fixtures/fixture_plugin.h"

class DuplicateTypePlugin : public QObject, public tessera::NodePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TesseraNodePlugin_iid)
    Q_INTERFACES(tessera::NodePlugin)
public:
    std::string pluginName() const override { return "duplicate-type"; }
    std::string pluginVersion() const override { return "2.1"; }
    void registerNodes(tessera::Registry& r) override {
        r.add(tessera::fixtures::fixtureDecl("KSampler"));
        r.add(tessera::fixtures::fixtureDecl("FixtureNode_own"));
    }
};

#include "duplicate_type.moc"
