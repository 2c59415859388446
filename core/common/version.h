#pragma once
namespace tessera {
const char* versionString();
// Version of the graph file format this build writes; newer files are refused with a clear message.
constexpr int kGraphFormatVersion = 1;
}  // namespace tessera
