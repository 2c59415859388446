#pragma once
// What the graph-file fuzz targets share: a registry with the node types the seed files use
// (their widgets drive ComfyUI import), and the round-trip property every loaded graph must keep.
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>

namespace tessera::fuzz {

const Registry& graphFuzzRegistry();
// A graph that loaded must save and load again to the same bytes, and export to a ComfyUI prompt;
// aborts (a finding) otherwise.
void checkRoundTrip(const Graph& graph);
inline QByteArray bytesOf(const uint8_t* data, size_t size) {
    return QByteArray(reinterpret_cast<const char*>(data), qsizetype(size));
}

}  // namespace tessera::fuzz
