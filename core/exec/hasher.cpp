#include "core/exec/hasher.h"

#include "core/common/error.h"

#include <cstring>
#include <fstream>
#include <vector>

namespace tessera {
namespace {

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

void Hasher::mixWord(uint64_t w) {
    state_ = (state_ ^ mix64(w + 0x632be59bd9b4e019ull)) * 0x9fb21c651e98df25ull;
    state_ ^= state_ >> 29;
}

Hasher& Hasher::bytes(const void* data, size_t size) {
    auto p = static_cast<const unsigned char*>(data);
    length_ += size;
    while (size && pendingBytes_) {  // finish a partial word
        pending_ |= uint64_t(*p++) << (8 * pendingBytes_);
        --size;
        if (++pendingBytes_ == 8) {
            mixWord(pending_);
            pending_ = 0;
            pendingBytes_ = 0;
        }
    }
    for (; size >= 8; size -= 8, p += 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        mixWord(w);
    }
    for (; size; --size) pending_ |= uint64_t(*p++) << (8 * pendingBytes_++);
    return *this;
}

Hasher& Hasher::u64(uint64_t v) { return bytes(&v, sizeof v); }

Hasher& Hasher::str(std::string_view s) {
    u64(s.size());
    return bytes(s.data(), s.size());
}

Hasher& Hasher::value(const Value& v) {
    const auto& s = v.storage();
    u64(s.index());
    if (v.isInt()) return u64(uint64_t(v.toInt()));
    if (v.isFloat()) {
        const double d = v.toFloat();
        return bytes(&d, sizeof d);
    }
    if (v.isBool()) return u64(v.toBool());
    if (v.isString()) return str(v.toString());
    if (v.isObject()) {  // objects in widgets are rare; identity is the best we know
        const auto& o = v.toObject();
        str(o ? o->typeName() : "");
        return u64(reinterpret_cast<uintptr_t>(o.get()));
    }
    return *this;
}

uint64_t Hasher::digest() const {
    uint64_t h = state_;
    if (pendingBytes_) h = (h ^ mix64(pending_ + 0x632be59bd9b4e019ull)) * 0x9fb21c651e98df25ull;
    return mix64(h ^ length_);
}

uint64_t hashFileContent(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read '" + path + "' to check whether it changed");
    Hasher h;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        h.bytes(buffer.data(), size_t(in.gcount()));
    }
    if (in.bad()) throw Error("error while reading '" + path + "'");
    return h.digest();
}

std::string toHex(uint64_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[size_t(i)] = digits[v & 15];
    return s;
}

}  // namespace tessera
