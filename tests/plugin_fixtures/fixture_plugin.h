#pragma once
// A minimal node plugin for the plugin loader's tests: one node type, FixtureNode_<suffix>.
#include "core/plugin/node_plugin.h"

#include <QObject>

namespace tessera::fixtures {

inline NodeDecl fixtureDecl(const std::string& type) {
    NodeDecl d;
    d.type = type;
    d.displayName = type;
    d.category = "test";
    d.run = [](NodeContext&) { return std::vector<Value>{}; };
    return d;
}

}  // namespace tessera::fixtures
