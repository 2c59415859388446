#pragma once
// Graphs and helpers for the remote-backend tests: tiny-model graphs built from API prompts,
// the built-in registry, and waiting in the Qt event loop with a time limit.
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <QStringList>

#include <functional>
#include <string>

namespace tessera::test {

const Registry& builtinRegistry();
// txt2img on tiny-sd15 at 64x64, SaveImage with `prefix`.
Graph tinyTxt2img(const std::string& prefix, int64_t seed, int steps);
// Serve arguments: the refdata models folder and the pinned compute of the golden tests.
QStringList servedModels();
// Runs the event loop until `done` holds or `seconds` pass; returns done().
bool waitUntil(const std::function<bool()>& done, int seconds);
// How many files a folder holds.
size_t filesIn(const QString& dir);

}  // namespace tessera::test
