#pragma once
// A small JSON document model for graph files. Qt's parser reads 7.0 as an integer and
// 9007199254740993 through a double, which would change widget values on every load; this one
// keeps integers (int64) and floats distinct and exact, keeps object key order, and limits
// nesting so hostile files cannot exhaust the stack.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace tessera {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;  // file order
    enum class Type { Null, Bool, Int, Double, String, Array, Object };

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool v) : v_(v) {}
    template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    Json(T v) : v_(int64_t(v)) {}
    Json(double v) : v_(v) {}
    Json(const char* v) : v_(std::string(v)) {}
    Json(std::string v) : v_(std::move(v)) {}
    Json(Array v) : v_(std::move(v)) {}
    Json(Object v) : v_(std::move(v)) {}

    Type type() const { return Type(v_.index()); }
    bool isNull() const { return type() == Type::Null; }
    bool isBool() const { return type() == Type::Bool; }
    bool isInt() const { return type() == Type::Int; }
    bool isDouble() const { return type() == Type::Double; }
    bool isNumber() const { return isInt() || isDouble(); }
    bool isString() const { return type() == Type::String; }
    bool isArray() const { return type() == Type::Array; }
    bool isObject() const { return type() == Type::Object; }

    bool toBool() const { return isBool() && std::get<bool>(v_); }
    int64_t toInt() const;   // doubles are truncated; others 0
    double toDouble() const;  // ints converted; others 0
    const std::string& toString() const;  // "" unless a string
    const Array& array() const;    // empty unless an array
    const Object& object() const;  // empty unless an object
    Array& array();    // makes this an array if it is not one
    Object& object();  // makes this an object if it is not one

    // Object member lookup (first match); nullptr when absent or not an object.
    const Json* find(std::string_view key) const;
    // Sets or replaces a member, keeping its position; appends new keys.
    Json& set(std::string_view key, Json value);
    void push(Json value) { array().push_back(std::move(value)); }

    // "integer", "string", ... for messages.
    static const char* typeName(Type t);
    const char* typeName() const { return typeName(type()); }

    bool operator==(const Json& o) const { return v_ == o.v_; }

private:
    std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

// JSON cannot hold infinities (1e999 parses as one): coordinates and sizes read such values as 0.
inline double finiteOrZero(double d) { return std::isfinite(d) ? d : 0.0; }

// Throws tessera::Error("<what> is not valid JSON: <problem> at line L, column C").
// `what` names the document for the message ("graph file", "the 'workflow' text of the PNG").
Json parseJson(std::string_view text, const std::string& what = "the file");

// indent < 0: compact. Floats always carry a '.' or exponent so they read back as floats,
// and are written with the shortest digits that read back to the same double.
std::string writeJson(const Json& value, int indent = -1);

}  // namespace tessera
