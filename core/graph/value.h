#pragma once
// Values that flow along links and sit in widgets. Scalars are stored inline; everything
// else (images, latents, models, conditionings) is an immutable Object shared by pointer,
// so caching and passing values between nodes and threads never copies tensors.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

namespace tessera {

class Object {
public:
    virtual ~Object() = default;
    // The port type this object travels as ("IMAGE", "LATENT", ...).
    virtual std::string typeName() const = 0;
    // Bytes held, for the executor's cache budget.
    virtual size_t byteSize() const { return 0; }
};
using ObjectPtr = std::shared_ptr<const Object>;

class Value {
public:
    using Storage = std::variant<std::monostate, int64_t, double, bool, std::string, ObjectPtr>;

    Value() = default;
    Value(int v) : v_(int64_t(v)) {}
    Value(int64_t v) : v_(v) {}
    Value(double v) : v_(v) {}
    Value(bool v) : v_(v) {}
    Value(const char* v) : v_(std::string(v)) {}
    Value(std::string v) : v_(std::move(v)) {}
    Value(ObjectPtr v) : v_(std::move(v)) {}
    template <class T>
    Value(std::shared_ptr<const T> v) : v_(ObjectPtr(std::move(v))) {}
    template <class T>
    Value(std::shared_ptr<T> v) : v_(ObjectPtr(std::move(v))) {}

    bool isNull() const { return std::holds_alternative<std::monostate>(v_); }
    bool isInt() const { return std::holds_alternative<int64_t>(v_); }
    bool isFloat() const { return std::holds_alternative<double>(v_); }
    bool isNumber() const { return isInt() || isFloat(); }
    bool isBool() const { return std::holds_alternative<bool>(v_); }
    bool isString() const { return std::holds_alternative<std::string>(v_); }
    bool isObject() const { return std::holds_alternative<ObjectPtr>(v_); }

    int64_t toInt() const { return isInt() ? std::get<int64_t>(v_) : isFloat() ? int64_t(std::get<double>(v_)) : isBool() ? std::get<bool>(v_) : 0; }
    double toFloat() const { return isFloat() ? std::get<double>(v_) : double(toInt()); }
    bool toBool() const { return isBool() ? std::get<bool>(v_) : toInt() != 0; }
    const std::string& toString() const {
        static const std::string empty;
        return isString() ? std::get<std::string>(v_) : empty;
    }
    const ObjectPtr& toObject() const {
        static const ObjectPtr none;
        return isObject() ? std::get<ObjectPtr>(v_) : none;
    }
    template <class T>
    std::shared_ptr<const T> as() const { return std::dynamic_pointer_cast<const T>(toObject()); }

    // Human-readable form for messages and the CLI ("7", "0.75", "\"euler\"", "<IMAGE>").
    std::string describe() const;
    // The type it travels as, for messages: "INT", "FLOAT", "BOOLEAN", "STRING", the object's type name
    // ("IMAGE"), or "nothing".
    std::string kind() const;
    const Storage& storage() const { return v_; }
    bool operator==(const Value& o) const { return v_ == o.v_; }

private:
    Storage v_;
};

}  // namespace tessera
