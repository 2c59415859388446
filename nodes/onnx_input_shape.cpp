#include "nodes/onnx_input_shape.h"

#include "core/common/error.h"

#include <fstream>

namespace tessera::nodes {
namespace {

// ModelProto.graph = 7; GraphProto.input = 11; ValueInfoProto.type = 2; TypeProto.tensor_type = 1;
// Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1.
constexpr uint32_t kModelGraph = 7, kGraphInput = 11, kValueInfoType = 2, kTypeTensor = 1, kTensorShape = 2,
                   kShapeDim = 1, kDimValue = 1;
constexpr uint64_t kMaxValueInfoBytes = 1 << 20;
constexpr uint64_t kMaxFieldBytes = uint64_t(1) << 48;  // far beyond any model file

class ProtoStream {
public:
    ProtoStream(std::istream& in, const std::string& path) : in_(in), path_(path) {}
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const int c = in_.get();
            if (c == EOF) bad("ends inside a number");
            v |= uint64_t(c & 0x7F) << shift;
            if (!(c & 0x80)) return v;
        }
        bad("holds an over-long number");
    }
    void skip(uint32_t wireType) {
        switch (wireType) {
            case 0: varint(); break;
            case 1: in_.seekg(8, std::ios::cur); break;
            case 2: in_.seekg(length(), std::ios::cur); break;
            case 5: in_.seekg(4, std::ios::cur); break;
            default: bad("has an unknown protobuf wire type");
        }
        if (!in_) bad("ends early");
    }
    // A field's byte count. Never negative, so every skip moves forward (a count that wrapped to a
    // negative offset made the reader seek back and loop forever).
    std::streamoff length() {
        const uint64_t n = varint();
        if (n > kMaxFieldBytes) bad("declares a field of " + std::to_string(n) + " bytes");
        return std::streamoff(n);
    }
    bool atEnd(std::streamoff end) { return in_.tellg() >= end || in_.peek() == EOF; }
    std::streamoff pos() { return std::streamoff(in_.tellg()); }
    std::string bytes(uint64_t n) {
        if (n > kMaxValueInfoBytes) bad("declares an input description of " + std::to_string(n) + " bytes");
        std::string s(size_t(n), '\0');
        if (!in_.read(s.data(), std::streamsize(n))) bad("ends early");
        return s;
    }
    [[noreturn]] void bad(const std::string& what) { throw Error("the model '" + path_ + "' " + what + " (is it ONNX?)"); }

private:
    std::istream& in_;
    const std::string& path_;
};

// Reads varint fields from an in-memory message.
struct ProtoBytes {
    const std::string& s;
    size_t at = 0;
    bool next(uint32_t& field, uint32_t& wire, uint64_t& value, std::string_view& payload) {
        if (at >= s.size()) return false;
        const uint64_t key = read();
        field = uint32_t(key >> 3);
        wire = uint32_t(key & 7);
        if (wire == 0) {
            value = read();
        } else if (wire == 2) {
            const uint64_t n = read();
            if (n > s.size() - at) throw Error("truncated");
            payload = std::string_view(s).substr(at, size_t(n));
            at += size_t(n);
        } else if (wire == 1 || wire == 5) {
            at += wire == 1 ? 8 : 4;
        } else {
            throw Error("bad wire type");
        }
        return true;
    }
    uint64_t read() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64 && at < s.size(); shift += 7) {
            const uint8_t c = uint8_t(s[at++]);
            v |= uint64_t(c & 0x7F) << shift;
            if (!(c & 0x80)) return v;
        }
        throw Error("bad number");
    }
};

// The payload of the first `field` (length-delimited) in `message`, or empty.
std::string firstMessage(const std::string& message, uint32_t wanted) {
    ProtoBytes p{message};
    uint32_t field = 0, wire = 0;
    uint64_t value = 0;
    std::string_view payload;
    while (p.next(field, wire, value, payload))
        if (field == wanted && wire == 2) return std::string(payload);
    return {};
}

std::vector<int64_t> shapeOfValueInfo(const std::string& valueInfo) {
    const std::string shape = firstMessage(firstMessage(firstMessage(valueInfo, kValueInfoType), kTypeTensor), kTensorShape);
    std::vector<int64_t> dims;
    ProtoBytes p{shape};
    uint32_t field = 0, wire = 0;
    uint64_t value = 0;
    std::string_view payload;
    while (p.next(field, wire, value, payload)) {
        if (field != kShapeDim || wire != 2) continue;
        int64_t dim = -1;
        const std::string d(payload);
        ProtoBytes q{d};
        uint32_t f2 = 0, w2 = 0;
        uint64_t v2 = 0;
        std::string_view p2;
        while (q.next(f2, w2, v2, p2))
            if (f2 == kDimValue && w2 == 0) dim = int64_t(v2);
        dims.push_back(dim);
    }
    return dims;
}

}  // namespace

std::vector<int64_t> onnxFirstInputShape(const std::string& onnxPath) {
    std::ifstream in(onnxPath, std::ios::binary);
    if (!in) throw Error("cannot read the model '" + onnxPath + "'");
    return onnxFirstInputShape(in, onnxPath);
}

std::vector<int64_t> onnxFirstInputShape(std::istream& in, const std::string& name) {
    ProtoStream proto(in, name);
    in.seekg(0, std::ios::end);
    const std::streamoff fileEnd = in.tellg();
    in.seekg(0);
    while (!proto.atEnd(fileEnd)) {
        const uint64_t key = proto.varint();
        if (uint32_t(key >> 3) != kModelGraph || (key & 7) != 2) {
            proto.skip(uint32_t(key & 7));
            continue;
        }
        const std::streamoff graphLength = proto.length();
        const std::streamoff graphEnd = proto.pos() + graphLength;
        while (proto.pos() < graphEnd) {
            const uint64_t k = proto.varint();
            if (uint32_t(k >> 3) != kGraphInput || (k & 7) != 2) {
                proto.skip(uint32_t(k & 7));
                continue;
            }
            try {
                return shapeOfValueInfo(proto.bytes(proto.varint()));
            } catch (const Error&) {
                proto.bad("has an unreadable input description");
            }
        }
        return {};
    }
    return {};
}

}  // namespace tessera::nodes
