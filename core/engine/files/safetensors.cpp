#include "core/engine/files/safetensors.h"

#include "core/common/error.h"
#include "core/engine/files/mapped_file.h"

#include <ATen/ATen.h>
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace tessera::engine {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

constexpr DType kDTypes[] = {DType::F64, DType::F32, DType::F16, DType::BF16,    DType::I64,    DType::I32,
                             DType::I16, DType::I8,  DType::U8,  DType::Bool, DType::F8_E4M3, DType::F8_E5M2};

[[noreturn]] void fail(const std::string& what, const std::string& problem) {
    throw Error(what + ": " + problem);
}

bool parseDType(const QString& s, DType& out) {
    for (const DType d : kDTypes) {
        if (s == QLatin1String(dtypeName(d))) {
            out = d;
            return true;
        }
    }
    return false;
}

bool toUInt(const QJsonValue& v, uint64_t& out) {
    if (!v.isDouble()) return false;
    double d = v.toDouble();
    if (!(d >= 0) || d > 9007199254740992.0 || std::floor(d) != d) return false;
    out = static_cast<uint64_t>(d);
    return true;
}

float decodeF8(uint8_t v, bool e4m3) {
    const int sign = (v & 0x80) ? -1 : 1;
    const int expBits = e4m3 ? 4 : 5, manBits = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
    const int e = (v >> manBits) & ((1 << expBits) - 1);
    const int m = v & ((1 << manBits) - 1);
    if (e4m3 && e == 15 && m == 7) return std::nanf("");
    if (!e4m3 && e == 31) return m ? std::nanf("") : sign * INFINITY;
    if (e == 0) return sign * std::ldexp(static_cast<float>(m) / (1 << manBits), 1 - bias);
    return sign * std::ldexp(1.0f + static_cast<float>(m) / (1 << manBits), e - bias);
}

}  // namespace

SafetensorsHeader parseSafetensorsHeader(const uint8_t* data, uint64_t available, uint64_t fileSize,
                                         const std::string& what) {
    if (fileSize < 8 || available < 8)
        fail(what, "file is too small to be a safetensors file (truncated?)");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];
    if (n < 2 || n > kMaxHeaderBytes)
        fail(what, "invalid header length " + std::to_string(n) + " (not a safetensors file, or corrupt)");
    if (8 + n > fileSize)
        fail(what, "file is truncated: the header says " + std::to_string(n) + " bytes but the file has only " +
                       std::to_string(fileSize - 8));
    if (available < 8 + n) fail(what, "header not readable");

    QJsonParseError perr{};
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray::fromRawData(reinterpret_cast<const char*>(data + 8), int(n)), &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        fail(what, "header is not valid JSON (" + perr.errorString().toStdString() + ")");

    SafetensorsHeader h;
    h.dataOffset = 8 + n;
    const uint64_t dataSize = fileSize - h.dataOffset;
    const QJsonObject root = doc.object();
    for (auto it = root.begin(); it != root.end(); ++it) {
        const std::string key = it.key().toStdString();
        if (key == "__metadata__") {
            if (!it->isObject()) fail(what, "__metadata__ is not an object");
            const QJsonObject meta = it->toObject();
            for (auto m = meta.begin(); m != meta.end(); ++m) {
                if (!m->isString()) fail(what, "__metadata__ value '" + m.key().toStdString() + "' is not a string");
                h.metadata[m.key().toStdString()] = m->toString().toStdString();
            }
            continue;
        }
        const std::string tw = "tensor '" + key + "'";
        if (!it->isObject()) fail(what, tw + " has no description object");
        const QJsonObject t = it->toObject();
        TensorEntry e;
        e.name = key;
        if (!parseDType(t.value("dtype").toString(), e.dtype))
            fail(what, tw + " has unknown dtype '" + t.value("dtype").toString().toStdString() + "'");
        if (!t.value("shape").isArray()) fail(what, tw + " has no shape");
        uint64_t bytes = dtypeSize(e.dtype);
        for (const auto& dim : t.value("shape").toArray()) {
            uint64_t d = 0;
            if (!toUInt(dim, d)) fail(what, tw + " has an invalid shape");
            if (d != 0 && bytes > (uint64_t(1) << 62) / d) fail(what, tw + " shape is impossibly large");
            bytes *= d;
            e.shape.push_back(static_cast<int64_t>(d));
        }
        const QJsonArray off = t.value("data_offsets").toArray();
        if (off.size() != 2 || !toUInt(off[0], e.begin) || !toUInt(off[1], e.end) || e.begin > e.end)
            fail(what, tw + " has invalid data_offsets");
        if (e.end > dataSize)
            fail(what, tw + " lies beyond the end of the file (file truncated?): needs byte " + std::to_string(e.end) +
                           " of " + std::to_string(dataSize));
        if (e.end - e.begin != bytes)
            fail(what, tw + " byte range (" + std::to_string(e.end - e.begin) + ") does not match its shape and dtype (" +
                           std::to_string(bytes) + " bytes)");
        h.entries.push_back(std::move(e));
    }
    std::vector<const TensorEntry*> byOffset;
    for (const auto& e : h.entries) byOffset.push_back(&e);
    std::sort(byOffset.begin(), byOffset.end(),
              [](const TensorEntry* a, const TensorEntry* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < byOffset.size(); ++i) {
        if (byOffset[i]->begin < byOffset[i - 1]->end)
            fail(what, "tensors '" + byOffset[i - 1]->name + "' and '" + byOffset[i]->name + "' overlap");
    }
    std::sort(h.entries.begin(), h.entries.end(),
              [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
    return h;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    const std::string what = "'" + path + "'";
    std::unique_ptr<MappedFile> file = MappedFile::open(path);
    const uint8_t* bytes = file->data();
    const uint64_t size = file->size();
    if (size >= 2 && ((bytes[0] == 'P' && bytes[1] == 'K') || (bytes[0] == 0x80 && bytes[1] <= 5)))
        fail(what, "is a PyTorch pickle checkpoint (.ckpt/.pt). Tessera never loads pickles because they can run "
                   "arbitrary code; convert it to .safetensors first");
    if (size < 8) fail(what, "file is too small to be a safetensors file (truncated?)");
    std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->path_ = path;
    SafetensorsHeader header = parseSafetensorsHeader(bytes, size, size, what);
    f->entries_ = std::move(header.entries);
    f->metadata_ = std::move(header.metadata);
    f->dataOffset_ = header.dataOffset;
    f->file_ = std::move(file);
    return f;
}

SafetensorsFile::~SafetensorsFile() = default;

void SafetensorsFile::checkUnchanged() const { file_->checkUnchanged(); }

at::Tensor SafetensorsFile::view(const TensorEntry& e) const {
    uint8_t* ptr = file_->data() + dataOffset_ + e.begin;
    if (e.dtype == DType::F8_E4M3 || e.dtype == DType::F8_E5M2) {
        at::Tensor out = at::empty(e.shape, at::kFloat);
        float* o = out.data_ptr<float>();
        for (int64_t i = 0; i < e.numel(); ++i) o[i] = decodeF8(ptr[i], e.dtype == DType::F8_E4M3);
        return out;
    }
    const auto options = at::TensorOptions().dtype(storageScalarType(e.dtype));
    if (e.numel() == 0) return at::empty(e.shape, options);
    if (reinterpret_cast<uintptr_t>(ptr) % dtypeSize(e.dtype) != 0) {
        at::Tensor out = at::empty(e.shape, options);
        std::memcpy(out.data_ptr(), ptr, e.end - e.begin);
        return out;
    }
    auto keepAlive = shared_from_this();
    return at::from_blob(ptr, e.shape, [keepAlive](void*) {}, options);
}

void SafetensorsFile::releasePages(const std::string& name) const {
    if (const TensorEntry* e = find(name)) file_->releasePages(dataOffset_ + e->begin, dataOffset_ + e->end);
}

void SafetensorsFile::prefault(const std::string& name) const {
    if (const TensorEntry* e = find(name)) file_->prefault(dataOffset_ + e->begin, dataOffset_ + e->end);
}

void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    QJsonObject root;
    if (!metadata.empty()) {
        QJsonObject meta;
        for (const auto& [k, v] : metadata) meta.insert(QString::fromStdString(k), QString::fromStdString(v));
        root.insert("__metadata__", meta);
    }
    std::vector<at::Tensor> data;
    uint64_t offset = 0;
    for (const auto& [name, t0] : tensors) {
        at::Tensor t = t0.detach().to(at::kCPU).contiguous();
        const char* dt = nullptr;
        switch (t.scalar_type()) {
            case at::kDouble: dt = "F64"; break;
            case at::kFloat: dt = "F32"; break;
            case at::kHalf: dt = "F16"; break;
            case at::kBFloat16: dt = "BF16"; break;
            case at::kLong: dt = "I64"; break;
            case at::kInt: dt = "I32"; break;
            case at::kShort: dt = "I16"; break;
            case at::kChar: dt = "I8"; break;
            case at::kByte: dt = "U8"; break;
            case at::kBool: dt = "BOOL"; break;
            default: throw Error("cannot write tensor '" + name + "': unsupported dtype");
        }
        QJsonArray shape;
        for (auto s : t.sizes()) shape.append(static_cast<qint64>(s));
        const uint64_t bytes = t.numel() * t.element_size();
        QJsonObject desc{{"dtype", dt},
                         {"shape", shape},
                         {"data_offsets", QJsonArray{static_cast<qint64>(offset), static_cast<qint64>(offset + bytes)}}};
        root.insert(QString::fromStdString(name), desc);
        offset += bytes;
        data.push_back(t);
    }
    QByteArray header = QJsonDocument(root).toJson(QJsonDocument::Compact);
    while ((header.size() + 8) % 8 != 0) header.append(' ');
    const std::string tmp = path + ".part";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error("cannot write '" + path + "'");
        uint64_t n = static_cast<uint64_t>(header.size());
        uint8_t len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
        out.write(reinterpret_cast<const char*>(len), 8);
        out.write(header.constData(), header.size());
        for (const auto& t : data)
            out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
        if (!out) throw Error("cannot write '" + path + "' (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error("cannot replace '" + path + "'");
}

std::map<std::string, at::Tensor> loadAllTensors(const std::string& path) {
    auto file = SafetensorsFile::open(path);
    std::map<std::string, at::Tensor> out;
    for (const auto& e : file->entries()) {
        at::Tensor t = file->tensor(e.name);
        out[e.name] = t.is_floating_point() ? t.to(at::kFloat).clone() : t.clone();
    }
    return out;
}

}  // namespace tessera::engine
