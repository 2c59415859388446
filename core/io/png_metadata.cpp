#include "core/io/png_metadata.h"

#include "core/common/error.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"

#include <zlib.h>

#include <cstring>
#include <set>
#include <vector>

namespace tessera {

namespace {

const char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
constexpr size_t kMaxInflatedText = size_t(64) << 20;

struct Chunk {
    size_t offset;  // of the length field
    std::string type;
    const char* data;
    uint32_t length;
};

uint32_t readBE32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}

void appendBE32(QByteArray& out, uint32_t v) {
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

std::string at(size_t offset) { return "at byte " + std::to_string(offset); }

std::vector<Chunk> parseChunks(const QByteArray& png) {
    if (!looksLikePng(png)) throw Error("not a PNG file (the PNG signature is missing)");
    std::vector<Chunk> chunks;
    const size_t size = size_t(png.size());
    size_t pos = 8;
    for (;;) {
        if (pos == size) throw Error("the PNG is truncated: it ends before its IEND chunk");
        if (size - pos < 12) throw Error("the PNG is truncated: the chunk " + at(pos) + " is incomplete");
        const char* p = png.constData() + pos;
        const uint32_t length = readBE32(p);
        std::string type(p + 4, 4);
        for (char c : type)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
                throw Error("the PNG is corrupt: the chunk " + at(pos) + " has an invalid type");
        if (length > 0x7FFFFFFFu) throw Error("the PNG is corrupt: chunk '" + type + "' " + at(pos) + " has an invalid length");
        if (size - pos - 12 < length)
            throw Error("the PNG is truncated: chunk '" + type + "' " + at(pos) + " needs " + std::to_string(length) +
                        " bytes of data, only " + std::to_string(size - pos - 12) + " remain");
        const uint32_t stored = readBE32(p + 8 + length);
        const uint32_t computed = uint32_t(crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(p + 4), length + 4));
        if (stored != computed) throw Error("the PNG is corrupt: chunk '" + type + "' " + at(pos) + " has a bad CRC");
        if (chunks.empty() && type != "IHDR") throw Error("the PNG is corrupt: its first chunk is '" + type + "', not IHDR");
        chunks.push_back({pos, type, p + 8, length});
        pos += 12 + size_t(length);
        if (type == "IEND") return chunks;
    }
}

std::string inflateText(const char* data, size_t n, const Chunk& c) {
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) throw Error("could not start zlib");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    zs.avail_in = uInt(n);
    std::string out;
    char buf[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        if (out.size() > kMaxInflatedText) rc = Z_MEM_ERROR;
        // Z_BUF_ERROR: no progress possible, the stream ends early.
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END)
        throw Error("the PNG is corrupt: the compressed text of chunk '" + c.type + "' " + at(c.offset) + " cannot be read");
    return out;
}

bool isValidUtf8(const std::string& s) {
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t extra = 0;
        if (c < 0x80) extra = 0;
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2) extra = 1;
        else if ((c & 0xF0) == 0xE0) extra = 2;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4) extra = 3;
        else return false;
        if (extra > n - i - 1) return false;
        for (size_t k = 1; k <= extra; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += extra + 1;
    }
    return true;
}

std::string latin1ToUtf8(const std::string& s) {
    std::string out;
    for (const char ch : s) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += char(0xC0 | (c >> 6));
            out += char(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// Splits "keyword\0rest"; throws if there is no separator.
std::pair<std::string, size_t> keywordOf(const Chunk& c) {
    const void* nul = std::memchr(c.data, 0, c.length);
    if (!nul || nul == c.data)
        throw Error("the PNG is corrupt: text chunk '" + c.type + "' " + at(c.offset) + " has no keyword");
    const size_t len = size_t(static_cast<const char*>(nul) - c.data);
    return {std::string(c.data, len), len + 1};
}

bool isTextChunk(const std::string& type) { return type == "tEXt" || type == "zTXt" || type == "iTXt"; }

void appendChunk(QByteArray& out, const char* type, const std::string& data) {
    appendBE32(out, uint32_t(data.size()));
    const qsizetype start = out.size();
    out.append(type, 4);
    out.append(data.data(), qsizetype(data.size()));
    appendBE32(out, uint32_t(crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(out.constData() + start),
                                   uInt(data.size() + 4))));
}

void checkKeyword(const std::string& key) {
    bool ok = !key.empty() && key.size() <= 79 && key.front() != ' ' && key.back() != ' ';
    for (const char ch : key) {
        const unsigned char c = static_cast<unsigned char>(ch);
        ok = ok && ((c >= 32 && c <= 126) || c >= 161);
    }
    if (!ok) throw Error("'" + key + "' cannot be a PNG text key (1 to 79 printable characters, no outer spaces)");
}

}  // namespace

bool looksLikePng(const QByteArray& bytes) {
    return bytes.size() >= 8 && std::memcmp(bytes.constData(), kSignature, 8) == 0;
}

std::map<std::string, std::string> readPngText(const QByteArray& png) {
    std::map<std::string, std::string> text;
    for (const Chunk& c : parseChunks(png)) {
        if (!isTextChunk(c.type)) continue;
        const auto [key, start] = keywordOf(c);
        const char* rest = c.data + start;
        const size_t restLen = c.length - start;
        std::string value;
        if (c.type == "tEXt") {
            value.assign(rest, restLen);
            // The standard says Latin-1, but many tools write UTF-8; valid UTF-8 is taken as such.
            if (!isValidUtf8(value)) value = latin1ToUtf8(value);
        } else if (c.type == "zTXt") {
            if (restLen < 1 || rest[0] != 0)
                throw Error("the PNG is corrupt: zTXt chunk " + at(c.offset) + " uses an unknown compression method");
            value = latin1ToUtf8(inflateText(rest + 1, restLen - 1, c));
        } else {  // iTXt: flag, method, language\0, translated keyword\0, text
            if (restLen < 2) throw Error("the PNG is corrupt: iTXt chunk " + at(c.offset) + " is too short");
            const bool compressed = rest[0] != 0;
            size_t p = 2;
            for (int field = 0; field < 2; ++field) {
                const void* nul = std::memchr(rest + p, 0, restLen - p);
                if (!nul) throw Error("the PNG is corrupt: iTXt chunk " + at(c.offset) + " is malformed");
                p = size_t(static_cast<const char*>(nul) - rest) + 1;
            }
            value = compressed ? inflateText(rest + p, restLen - p, c) : std::string(rest + p, restLen - p);
        }
        text.emplace(key, std::move(value));
    }
    return text;
}

QByteArray addPngText(const QByteArray& png, const std::map<std::string, std::string>& text) {
    for (const auto& [key, value] : text) checkKeyword(key);
    const std::vector<Chunk> chunks = parseChunks(png);
    QByteArray out(kSignature, 8);
    for (const Chunk& c : chunks) {
        if (isTextChunk(c.type) && text.count(keywordOf(c).first)) continue;  // replaced
        out.append(png.constData() + c.offset, qsizetype(c.length) + 12);
        if (c.type != "IHDR") continue;
        for (const auto& [key, value] : text) {
            bool ascii = true;
            for (const char ch : value) ascii = ascii && ch != 0 && static_cast<unsigned char>(ch) < 0x80;
            if (ascii)
                appendChunk(out, "tEXt", key + '\0' + value);
            else
                appendChunk(out, "iTXt", key + std::string("\0\0\0\0\0", 5) + value);
        }
    }
    return out;
}

Graph graphFromPng(const QByteArray& png, const Registry& registry, LoadReport& report) {
    const auto text = readPngText(png);
    std::string firstError;
    for (const char* key : {kPngKeyTessera, kPngKeyWorkflow, kPngKeyPrompt}) {
        auto it = text.find(key);
        if (it == text.end()) continue;
        const QByteArray json = QByteArray::fromStdString(it->second);
        try {
            LoadReport attempt;
            Graph g = std::string(key) == kPngKeyTessera ? graphFromJson(json, &registry, &attempt)
                                                         : importGraph(json, registry, attempt);
            report.warnings.insert(report.warnings.end(), attempt.warnings.begin(), attempt.warnings.end());
            report.unknownTypes.insert(report.unknownTypes.end(), attempt.unknownTypes.begin(), attempt.unknownTypes.end());
            return g;
        } catch (const Error& e) {
            const std::string why = std::string("the PNG's '") + key + "' text could not be used: " + e.what();
            if (firstError.empty()) firstError = why;
            report.warnings.push_back(why);
        }
    }
    if (!firstError.empty()) throw Error(firstError);
    throw Error("the PNG holds no graph: it has none of the text chunks 'tessera', 'workflow' or 'prompt' "
                "(it was not saved by Tessera or ComfyUI)");
}

}  // namespace tessera
