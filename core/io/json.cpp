#include "core/io/json.h"

#include "core/common/error.h"

#include <charconv>
#include <cmath>

namespace tessera {

int64_t Json::toInt() const {
    if (isInt()) return std::get<int64_t>(v_);
    if (isDouble()) {
        const double d = std::get<double>(v_);
        // Casting an out-of-range double is undefined behaviour; clamp instead.
        if (!(d == d)) return 0;
        if (d >= 9.2233720368547758e18) return INT64_MAX;
        if (d <= -9.2233720368547758e18) return INT64_MIN;
        return int64_t(d);
    }
    return 0;
}

double Json::toDouble() const {
    if (isDouble()) return std::get<double>(v_);
    if (isInt()) return double(std::get<int64_t>(v_));
    return 0;
}

const std::string& Json::toString() const {
    static const std::string empty;
    return isString() ? std::get<std::string>(v_) : empty;
}

const Json::Array& Json::array() const {
    static const Array empty;
    return isArray() ? std::get<Array>(v_) : empty;
}

const Json::Object& Json::object() const {
    static const Object empty;
    return isObject() ? std::get<Object>(v_) : empty;
}

Json::Array& Json::array() {
    if (!isArray()) v_ = Array{};
    return std::get<Array>(v_);
}

Json::Object& Json::object() {
    if (!isObject()) v_ = Object{};
    return std::get<Object>(v_);
}

const Json* Json::find(std::string_view key) const {
    for (const auto& [k, v] : object())
        if (k == key) return &v;
    return nullptr;
}

Json& Json::set(std::string_view key, Json value) {
    for (auto& [k, v] : object())
        if (k == key) return v = std::move(value);
    object().emplace_back(std::string(key), std::move(value));
    return object().back().second;
}

const char* Json::typeName(Type t) {
    switch (t) {
        case Type::Null: return "null";
        case Type::Bool: return "boolean";
        case Type::Int: return "integer";
        case Type::Double: return "number";
        case Type::String: return "string";
        case Type::Array: return "array";
        case Type::Object: return "object";
    }
    return "?";
}

namespace {

constexpr int kMaxDepth = 200;

class Parser {
public:
    Parser(std::string_view text, const std::string& what) : s_(text), what_(what) {}

    Json document() {
        if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
        skipSpace();
        if (pos_ == s_.size()) fail("the text is empty");
        Json v = value(0);
        skipSpace();
        if (pos_ != s_.size()) fail("unexpected text after the end of the document");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& problem) const {
        int line = 1, column = 1;
        for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
            if (s_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw Error(what_ + " is not valid JSON: " + problem + (pos_ >= s_.size() ? " (the text ends too early)" : "") + " at line " + std::to_string(line) + ", column " +
                    std::to_string(column));
    }

    void skipSpace() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    bool consume(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    Json value(int depth) {
        if (depth > kMaxDepth) fail("nesting is deeper than " + std::to_string(kMaxDepth) + " levels");
        if (pos_ >= s_.size()) fail("unexpected end of text");
        const char c = s_[pos_];
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return Json(string());
        if (consume("true")) return Json(true);
        if (consume("false")) return Json(false);
        if (consume("null")) return Json();
        // Python's json module writes these for non-finite floats; ComfyUI files may hold them.
        if (consume("NaN")) return Json(std::nan(""));
        if (consume("Infinity")) return Json(HUGE_VAL);
        if (consume("-Infinity")) return Json(-HUGE_VAL);
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        fail(std::string("unexpected character '") + (c >= 32 && c < 127 ? std::string(1, c) : "?") + "'");
    }

    Json object(int depth) {
        ++pos_;  // {
        Json::Object members;
        skipSpace();
        if (consume("}")) return Json(std::move(members));
        for (;;) {
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a quoted member name");
            std::string key = string();
            skipSpace();
            if (!consume(":")) fail("expected ':' after member name");
            skipSpace();
            Json v = value(depth + 1);
            members.emplace_back(std::move(key), std::move(v));
            skipSpace();
            if (consume("}")) return Json(std::move(members));
            if (!consume(",")) fail("expected ',' or '}' in an object");
        }
    }

    Json array(int depth) {
        ++pos_;  // [
        Json::Array items;
        skipSpace();
        if (consume("]")) return Json(std::move(items));
        for (;;) {
            skipSpace();
            items.push_back(value(depth + 1));
            skipSpace();
            if (consume("]")) return Json(std::move(items));
            if (!consume(",")) fail("expected ',' or ']' in an array");
        }
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("unfinished \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
            else fail("bad hex digit in a \\u escape");
        }
        return v;
    }

    static void appendUtf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }

    std::string string() {
        ++pos_;  // opening quote
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated string");
            const char e = s_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00) {
                        // A high surrogate must be followed by a low one.
                        if (!consume("\\u")) fail("unpaired surrogate in a \\u escape");
                        const unsigned low = hex4();
                        if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate in a \\u escape");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        fail("unpaired surrogate in a \\u escape");
                    }
                    appendUtf8(out, cp);
                    break;
                }
                default: fail("unknown escape sequence in a string");
            }
        }
    }

    Json number() {
        const size_t start = pos_;
        bool isFloat = false;
        if (s_[pos_] == '-') ++pos_;
        auto digits = [&] {
            const size_t from = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            return pos_ - from;
        };
        if (pos_ < s_.size() && s_[pos_] == '0') {
            ++pos_;
        } else if (digits() == 0) {
            fail("malformed number");
        }
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            isFloat = true;
            if (digits() == 0) fail("malformed number");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            isFloat = true;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) fail("malformed number");
        }
        const char* first = s_.data() + start;
        const char* last = s_.data() + pos_;
        if (!isFloat) {
            int64_t i = 0;
            auto [p, ec] = std::from_chars(first, last, i);
            if (ec == std::errc() && p == last) return Json(i);
            // Too large for int64 (ComfyUI seeds reach 2^64-1): read it as a float.
        }
        double d = 0;
        auto [p, ec] = std::from_chars(first, last, d);
        if (ec == std::errc::result_out_of_range) return Json(first[0] == '-' ? -HUGE_VAL : HUGE_VAL);
        if (ec != std::errc() || p != last) fail("malformed number");
        return Json(d);
    }

    std::string_view s_;
    const std::string& what_;
    size_t pos_ = 0;
};

void writeString(std::string& out, const std::string& s) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += "\\u00";
                    out += hex[(c >> 4) & 0xF];
                    out += hex[c & 0xF];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void writeDouble(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
    }
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, end);
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    out += s;
}

void write(std::string& out, const Json& v, int indent, int level) {
    auto newline = [&](int lv) {
        if (indent < 0) return;
        out += '\n';
        out.append(size_t(indent * lv), ' ');
    };
    switch (v.type()) {
        case Json::Type::Null: out += "null"; break;
        case Json::Type::Bool: out += v.toBool() ? "true" : "false"; break;
        case Json::Type::Int: out += std::to_string(v.toInt()); break;
        case Json::Type::Double: writeDouble(out, v.toDouble()); break;
        case Json::Type::String: writeString(out, v.toString()); break;
        case Json::Type::Array: {
            const auto& items = v.array();
            if (items.empty()) {
                out += "[]";
                break;
            }
            // Short arrays of scalars ([x, y], links) stay on one line.
            bool flat = items.size() <= 8;
            for (const auto& i : items) flat = flat && !i.isArray() && !i.isObject() && !i.isString();
            out += '[';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += indent >= 0 && flat ? ", " : ",";
                if (!flat) newline(level + 1);
                write(out, items[i], indent, level + 1);
            }
            if (!flat) newline(level);
            out += ']';
            break;
        }
        case Json::Type::Object: {
            const auto& members = v.object();
            if (members.empty()) {
                out += "{}";
                break;
            }
            out += '{';
            for (size_t i = 0; i < members.size(); ++i) {
                if (i) out += ',';
                newline(level + 1);
                writeString(out, members[i].first);
                out += indent >= 0 ? ": " : ":";
                write(out, members[i].second, indent, level + 1);
            }
            newline(level);
            out += '}';
            break;
        }
    }
}

}  // namespace

Json parseJson(std::string_view text, const std::string& what) { return Parser(text, what).document(); }

std::string writeJson(const Json& value, int indent) {
    std::string out;
    write(out, value, indent, 0);
    if (indent >= 0) out += '\n';
    return out;
}

}  // namespace tessera
