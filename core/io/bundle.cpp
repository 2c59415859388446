#include "core/io/bundle.h"

#include "core/common/error.h"
#include "core/exec/memory_budget.h"
#include "core/io/atomic_file.h"
#include "core/io/graph_json.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipfileinfo.h>
#include <quazip/quazipnewinfo.h>

#include <optional>
#include <set>

namespace tessera {

namespace {

const QString kGraphEntry = QStringLiteral("graph.json");
const QString kThumbnailEntry = QStringLiteral("thumbnail.png");
const QString kInputsPrefix = QStringLiteral("inputs/");

void addEntry(QuaZip& zip, const QString& name, const QByteArray& data) {
    QuaZipFile f(&zip);
    if (!f.open(QIODevice::WriteOnly, QuaZipNewInfo(name)) || f.write(data) != data.size())
        throw Error("could not write '" + name.toStdString() + "' into the bundle (zip error " +
                    std::to_string(f.getZipError()) + ")");
    f.close();
    if (f.getZipError() != UNZ_OK)
        throw Error("could not write '" + name.toStdString() + "' into the bundle (zip error " +
                    std::to_string(f.getZipError()) + ")");
}

// The current entry's name, read from the central directory by minizip itself: QuaZip's
// getCurrentFileName() also files the name in a QHash, which crashed (Qt 6.4's 256-bit AES hash
// reading out of bounds) on the hostile archive tests/fuzz/corpus/bundle/absolute.zip.
std::optional<QString> currentEntryName(QuaZip& zip, unz_file_info64* infoOut = nullptr) {
    unz_file_info64 info{};
    char name[4096];
    if (unzGetCurrentFileInfo64(zip.getUnzFile(), &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK ||
        info.size_filename >= sizeof name)
        return std::nullopt;
    if (infoOut) *infoOut = info;
    return QString::fromUtf8(name, qsizetype(info.size_filename));
}

// The entries a bundle is read for; any other is ignored with a warning.
bool isBundleContent(const QString& name) {
    return name == kGraphEntry || name == kThumbnailEntry || name.startsWith(kInputsPrefix);
}

// The archive's file list, checked before anything is inflated: names that would escape the input
// folder, a name that appears twice, a list that cannot be read to its end, and the sizes the entries
// read say they unpack to (a zip bomb that states them is refused here; one that understates them
// meets readEntry's budget, since minizip inflates an entry only up to its stated size).
void checkFileList(QuaZip& zip, qint64 maxUnpackedBytes) {
    uint64_t total = 0;
    std::set<std::string> seen;
    for (bool more = zip.goToFirstFile(); more; more = zip.goToNextFile()) {
        unz_file_info64 info{};
        const std::optional<QString> name = currentEntryName(zip, &info);
        if (!name) throw Error("the bundle is damaged: an entry's name cannot be read");
        if (name->endsWith('/')) continue;  // folder entry
        const std::string stdName = name->toStdString();
        checkSafeRelativeName(stdName, "the bundle");
        if (!seen.insert(stdName).second) throw Error("the bundle is damaged: '" + stdName + "' appears twice");
        if (isBundleContent(*name)) total = addBytes(total, info.uncompressed_size);
    }
    if (zip.getZipError() != UNZ_OK)
        throw Error("the bundle is damaged: its file list cannot be read (zip error " + std::to_string(zip.getZipError()) + ")");
    if (total > uint64_t(maxUnpackedBytes))
        throw Error("the bundle is damaged: its entries say they unpack to " + formatBytes(total) + ", which takes the bundle past " +
                    formatBytes(uint64_t(maxUnpackedBytes)) + " unpacked (a zip bomb?)");
}

QByteArray readEntry(QuaZip& zip, const QString& name, qint64& unpackedBudget, qint64 maxUnpackedBytes) {
    QuaZipFile f(&zip);
    const auto damaged = [&](const std::string& why) {
        return Error("the bundle is damaged: '" + name.toStdString() + "' " + why);
    };
    if (!f.open(QIODevice::ReadOnly)) throw damaged("cannot be read (zip error " + std::to_string(f.getZipError()) + ")");
    QByteArray data;
    data.reserve(qsizetype(std::clamp<qint64>(f.usize(), 0, unpackedBudget)));  // one allocation, no regrowth copies
    char buf[65536];
    for (;;) {
        const qint64 n = f.read(buf, sizeof buf);
        if (n < 0) throw damaged("cannot be read (zip error " + std::to_string(f.getZipError()) + ")");
        if (n == 0) break;
        if (n > unpackedBudget)
            throw damaged("takes the bundle past " + formatBytes(uint64_t(maxUnpackedBytes)) + " unpacked (a zip bomb?)");
        unpackedBudget -= n;
        data.append(buf, n);
    }
    f.close();
    if (f.getZipError() == UNZ_CRCERROR) throw damaged("fails its checksum");
    if (f.getZipError() != UNZ_OK) throw damaged("cannot be read (zip error " + std::to_string(f.getZipError()) + ")");
    return data;
}

}  // namespace

void checkSafeRelativeName(const std::string& name, const std::string& what) {
    auto unsafe = [&] { return Error(what + " has an unsafe file name '" + name + "' (it must stay inside its folder)"); };
    if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos ||
        name.find(':') != std::string::npos || name.find('\0') != std::string::npos)
        throw unsafe();
    size_t start = 0;
    while (start <= name.size()) {
        const size_t end = std::min(name.find('/', start), name.size());
        const std::string part = name.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") throw unsafe();
        start = end + 1;
    }
}

QByteArray bundleToZip(const Bundle& bundle) {
    std::vector<std::string> names;
    for (const auto& [name, data] : bundle.files) {
        checkSafeRelativeName(name, "bundle file");
        names.push_back(name);
    }
    QByteArray bytes;
    QBuffer buffer(&bytes);
    QuaZip zip(&buffer);
    zip.setUtf8Enabled(true);
    if (!zip.open(QuaZip::mdCreate)) throw Error("could not create the bundle archive (zip error " + std::to_string(zip.getZipError()) + ")");
    addEntry(zip, kGraphEntry, graphToJson(bundle.graph, names));
    if (!bundle.thumbnailPng.isEmpty()) addEntry(zip, kThumbnailEntry, bundle.thumbnailPng);
    for (const auto& [name, data] : bundle.files) addEntry(zip, kInputsPrefix + QString::fromStdString(name), data);
    zip.close();
    if (zip.getZipError() != UNZ_OK) throw Error("could not finish the bundle archive (zip error " + std::to_string(zip.getZipError()) + ")");
    return bytes;
}

Bundle bundleFromZip(const QByteArray& bytes, const Registry* registry, LoadReport* report, qint64 maxUnpackedBytes) {
    LoadReport local;
    LoadReport& rep = report ? *report : local;
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    QuaZip zip(&buffer);
    zip.setUtf8Enabled(true);
    if (!zip.open(QuaZip::mdUnzip))
        throw Error("not a Tessera bundle: the file is not a zip archive, or it is truncated or damaged");
    checkFileList(zip, maxUnpackedBytes);
    Bundle b;
    std::optional<QByteArray> graphJson;
    qint64 unpackedBudget = maxUnpackedBytes;
    for (bool more = zip.goToFirstFile(); more; more = zip.goToNextFile()) {
        const std::optional<QString> entryName = currentEntryName(zip);
        if (!entryName) throw Error("the bundle is damaged: an entry's name cannot be read");
        const QString& name = *entryName;
        if (name.endsWith('/')) continue;  // folder entry
        if (name == kGraphEntry) {
            graphJson = readEntry(zip, name, unpackedBudget, maxUnpackedBytes);
        } else if (name == kThumbnailEntry) {
            b.thumbnailPng = readEntry(zip, name, unpackedBudget, maxUnpackedBytes);
        } else if (name.startsWith(kInputsPrefix)) {
            b.files[name.mid(kInputsPrefix.size()).toStdString()] = readEntry(zip, name, unpackedBudget, maxUnpackedBytes);
        } else {
            rep.warnings.push_back("the bundle holds '" + name.toStdString() + "', which Tessera does not use; it was ignored");
        }
    }
    if (zip.getZipError() != UNZ_OK)
        throw Error("the bundle is damaged: its file list cannot be read (zip error " + std::to_string(zip.getZipError()) + ")");
    if (!graphJson) throw Error("not a Tessera bundle: it has no graph.json");
    b.graph = graphFromJson(*graphJson, registry, &rep);
    return b;
}

void saveBundle(const QString& path, const Bundle& bundle) {
    const QByteArray zip = bundleToZip(bundle);  // fails before the file is touched
    writeFileAtomically(path, zip);
}

Bundle loadBundle(const QString& path, const Registry* registry, LoadReport* report) {
    const QByteArray bytes = readWholeFile(path);
    try {
        return bundleFromZip(bytes, registry, report);
    } catch (const Error& e) {
        throw Error("'" + path.toStdString() + "': " + e.what());
    }
}

std::vector<std::string> inputFileNames(const Graph& graph, const Registry& registry) {
    std::set<std::string> names;
    for (const auto& [id, n] : graph.nodes()) {
        const NodeDecl* decl = registry.find(n.type);
        if (!decl) continue;
        for (const auto& in : decl->inputs) {
            if (!(in.choicesFrom == "input" || (in.isFile && in.choicesFrom.empty()))) continue;
            if (graph.linkInto(id, in.name)) continue;  // fed by a link, the widget is unused
            auto it = n.widgets.find(in.name);
            if (it != n.widgets.end() && it->second.isString() && !it->second.toString().empty())
                names.insert(it->second.toString());
        }
    }
    return {names.begin(), names.end()};
}

std::map<std::string, QByteArray> collectInputFiles(const Graph& graph, const Registry& registry, const QString& inputDir,
                                                    MissingInputFiles missing) {
    std::map<std::string, QByteArray> files;
    for (const auto& name : inputFileNames(graph, registry)) {
        checkSafeRelativeName(name, "the graph");
        const QString path = QDir(inputDir).filePath(QString::fromStdString(name));
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            if (missing == MissingInputFiles::Skip) continue;
            std::string who;
            for (const auto& [id, n] : graph.nodes())
                for (const auto& [w, v] : n.widgets)
                    if (v.isString() && v.toString() == name && who.empty()) who = graph.describeNode(id);
            throw Error(who + ": input file '" + name + "' was not found in " + inputDir.toStdString() +
                        " (" + f.errorString().toStdString() + ")");
        }
        files[name] = f.readAll();
    }
    return files;
}

void extractInputFiles(const Bundle& bundle, const QString& dir) {
    for (const auto& [name, data] : bundle.files) {
        checkSafeRelativeName(name, "the bundle");
        const QString path = QDir(dir).filePath(QString::fromStdString(name));
        if (!QDir().mkpath(QFileInfo(path).absolutePath()))
            throw Error("could not create the folder for '" + path.toStdString() + "'");
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size())
            throw Error("could not write '" + path.toStdString() + "': " + f.errorString().toStdString());
    }
}

}  // namespace tessera
