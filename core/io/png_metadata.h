#pragma once
// Graphs embedded in PNG text chunks, read and written without an image library.
// Keys: "tessera" (Tessera graph.json), "workflow" (ComfyUI UI workflow), "prompt" (ComfyUI API prompt).
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/load_report.h"

#include <QByteArray>
#include <map>
#include <string>

namespace tessera {

inline constexpr const char* kPngKeyTessera = "tessera";
inline constexpr const char* kPngKeyWorkflow = "workflow";
inline constexpr const char* kPngKeyPrompt = "prompt";

bool looksLikePng(const QByteArray& bytes);

// Text of tEXt (Latin-1, or UTF-8 where the bytes are valid UTF-8), zTXt and iTXt chunks, as UTF-8.
// Checks the signature, every chunk's length and CRC, and that IEND is reached: a corrupt or
// truncated file throws tessera::Error saying which chunk and offset.
std::map<std::string, std::string> readPngText(const QByteArray& png);

// Returns `png` with the given text chunks inserted right after IHDR (tEXt for ASCII text,
// uncompressed iTXt otherwise); chunks with the same keys are replaced.
QByteArray addPngText(const QByteArray& png, const std::map<std::string, std::string>& text);

// The graph a PNG carries: "tessera" first, then "workflow", then "prompt". A key that fails to
// load adds a warning and the next one is tried; throws tessera::Error if none gives a graph.
Graph graphFromPng(const QByteArray& png, const Registry& registry, LoadReport& report);

}  // namespace tessera
