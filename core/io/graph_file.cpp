#include "core/io/graph_file.h"

#include "core/common/error.h"
#include "core/io/atomic_file.h"
#include "core/io/bundle.h"
#include "core/io/graph_json.h"
#include "core/io/json.h"
#include "core/io/png_metadata.h"

#include <QFileInfo>

namespace tessera {

namespace {

LoadedGraph open(const QString& path, const QByteArray& bytes, const Registry& registry, const QString& extractDir) {
    LoadedGraph out;
    out.inputDir = QFileInfo(path).absolutePath();
    if (bytes.startsWith("PK\x03\x04") || bytes.startsWith("PK\x05\x06")) {
        if (extractDir.isEmpty()) throw Error("no folder was given to unpack the bundle's input images into");
        Bundle b = bundleFromZip(bytes, &registry, &out.report);
        extractInputFiles(b, extractDir);
        out.graph = std::move(b.graph);
        out.thumbnailPng = std::move(b.thumbnailPng);
        out.kind = GraphFileKind::Bundle;
        out.format = GraphFormat::Tessera;
        out.inputDir = QFileInfo(extractDir).absoluteFilePath();
        return out;
    }
    if (looksLikePng(bytes)) {
        out.kind = GraphFileKind::Png;
        const auto text = readPngText(bytes);
        out.format = text.count(kPngKeyTessera)    ? GraphFormat::Tessera
                     : text.count(kPngKeyWorkflow) ? GraphFormat::ComfyUIWorkflow
                     : text.count(kPngKeyPrompt)   ? GraphFormat::ComfyUIPrompt
                                                   : GraphFormat::Unknown;
        out.graph = graphFromPng(bytes, registry, out.report);
        return out;
    }
    out.kind = GraphFileKind::Json;
    try {
        out.format = detectFormat(parseJson(std::string_view(bytes.constData(), size_t(bytes.size()))));
    } catch (const Error&) {
        // importGraph reports the syntax error with its position
    }
    out.graph = importGraph(bytes, registry, out.report);
    return out;
}

}  // namespace

LoadedGraph openGraphFile(const QString& path, const Registry& registry, const QString& extractDir) {
    const QByteArray bytes = readWholeFile(path);
    try {
        return open(path, bytes, registry, extractDir);
    } catch (const Error& e) {
        throw Error("'" + path.toStdString() + "': " + e.what());
    }
}

void saveGraphJson(const QString& path, const Graph& graph) { writeFileAtomically(path, graphToJson(graph)); }

}  // namespace tessera
