#pragma once
// A .tessera file: one zip holding the graph and everything it needs besides models, so it
// opens and runs on another machine.
//   graph.json       the graph (graph_json.h), "images" lists the embedded inputs
//   thumbnail.png    optional preview
//   inputs/<name>    every input image or painted mask the graph's widgets name
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/load_report.h"

#include <QByteArray>
#include <QString>
#include <map>
#include <string>
#include <vector>

namespace tessera {

struct Bundle {
    Graph graph;
    std::map<std::string, QByteArray> files;  // name relative to the input folder ("mask.png", "sub/a.png")
    QByteArray thumbnailPng;                  // empty: none
};

QByteArray bundleToZip(const Bundle& bundle);
// Throws tessera::Error for anything but a well-formed bundle: not a zip, truncated or damaged
// archive, missing graph.json, unsafe names ("../x", "/etc/x"), or more than maxUnpackedBytes
// unpacked in all (a zip bomb stops there instead of filling memory).
constexpr qint64 kBundleMaxUnpackedBytes = qint64(512) << 20;
Bundle bundleFromZip(const QByteArray& zip, const Registry* registry = nullptr, LoadReport* report = nullptr,
                     qint64 maxUnpackedBytes = kBundleMaxUnpackedBytes);

// Atomic: a failed save leaves the previous file as it was.
void saveBundle(const QString& path, const Bundle& bundle);
Bundle loadBundle(const QString& path, const Registry* registry = nullptr, LoadReport* report = nullptr);

// Widget values naming files in the input folder: inputs declared with choicesFrom "input", or
// isFile without a models kind (a checkpoint is a model, never embedded). Sorted, unique.
std::vector<std::string> inputFileNames(const Graph& graph, const Registry& registry);
// Reads those files from `inputDir`; a missing one throws tessera::Error naming the node and file
// (Fail) or is left out (Skip: autosave copies what it can).
enum class MissingInputFiles { Fail, Skip };
std::map<std::string, QByteArray> collectInputFiles(const Graph& graph, const Registry& registry, const QString& inputDir,
                                                    MissingInputFiles missing = MissingInputFiles::Fail);
// Writes bundle.files into `dir` (created if needed), overwriting files of the same name.
void extractInputFiles(const Bundle& bundle, const QString& dir);

// Throws tessera::Error unless `name` is a relative path without "..", ".", empty parts or backslashes.
void checkSafeRelativeName(const std::string& name, const std::string& what);

}  // namespace tessera
