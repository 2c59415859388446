#pragma once
// The message of the tessera::Error that `f` throws, or "" when it throws none.
#include "core/common/error.h"

#include <functional>
#include <string>

namespace tessera::test {

inline std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// A parameter value as a gtest name: every character that is not a letter or digit becomes '_'.
inline std::string testNameOf(std::string text) {
    for (char& c : text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
    return text;
}

}  // namespace tessera::test
