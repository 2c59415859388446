#include "core/sweep/sweep_values.h"

#include "core/common/error.h"
#include "core/graph/port_types.h"
#include "core/graph/widget_reference.h"

#include <cmath>
#include <cstdio>

namespace tessera {
namespace {

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        const size_t at = text.find(separator, start);
        parts.push_back(trimmed(text.substr(start, at == std::string::npos ? std::string::npos : at - start)));
        if (at == std::string::npos) return parts;
        start = at + 1;
    }
}

// Digits after the decimal point of a plain decimal ("0.15" -> 2); -1 for exponent notation.
int decimalsOf(const std::string& number) {
    if (number.find_first_of("eE") != std::string::npos) return -1;
    const auto dot = number.find('.');
    return dot == std::string::npos ? 0 : int(number.size() - dot - 1);
}

std::string formatDecimals(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void checkCount(size_t n, const std::string& where) {
    if (n > kMaxSweepValues)
        throw Error(where + ": " + std::to_string(n) + " values; a sweep axis takes at most " +
                    std::to_string(kMaxSweepValues));
}

SweepValues intRange(const InputDecl& in, const std::vector<std::string>& parts, const std::string& where) {
    const int64_t a = parseWidgetValue(in, parts[0], where).toInt();
    const int64_t b = parseWidgetValue(in, parts[1], where).toInt();
    const int64_t step = parts.size() == 3 ? parseWidgetValue(in, parts[2], where).toInt() : (b >= a ? 1 : -1);
    if (step == 0) throw Error(where + ": the step of a range cannot be 0");
    if ((b - a) != 0 && ((b - a) > 0) != (step > 0))
        throw Error(where + ": the step " + std::to_string(step) + " never gets from " + parts[0] + " to " + parts[1]);
    checkCount(size_t((b - a) / step) + 1, where);
    SweepValues out;
    for (int64_t v = a; step > 0 ? v <= b : v >= b; v += step) {
        out.values.emplace_back(v);
        out.labels.push_back(std::to_string(v));
    }
    return out;
}

SweepValues floatRange(const InputDecl& in, const std::vector<std::string>& parts, const std::string& where) {
    if (parts.size() != 3) throw Error(where + ": a range of decimals needs a step, like 0.3:0.9:0.15");
    const double a = parseWidgetValue(in, parts[0], where).toFloat();
    const double b = parseWidgetValue(in, parts[1], where).toFloat();
    const double step = parseWidgetValue(in, parts[2], where).toFloat();
    if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(step)))
        throw Error(where + ": a range needs finite numbers");
    if (step == 0) throw Error(where + ": the step of a range cannot be 0");
    const double span = (b - a) / step;
    if (span < -1e-9) throw Error(where + ": the step " + parts[2] + " never gets from " + parts[0] + " to " + parts[1]);
    // Float steps rarely divide the span exactly: b counts as reached within a millionth of a step.
    const double nearest = std::round(span);
    const bool endOnGrid = std::abs(span - nearest) < 1e-6;
    const double last = endOnGrid ? nearest : std::floor(span);
    checkCount(size_t(last) + 1, where);
    int decimals = -1;
    if (int da = decimalsOf(parts[0]), db = decimalsOf(parts[1]), ds = decimalsOf(parts[2]); da >= 0 && db >= 0 && ds >= 0)
        decimals = std::min(std::max({da, db, ds}), 12);
    SweepValues out;
    for (size_t i = 0; i <= size_t(last); ++i) {
        double v = a + double(i) * step;
        if (endOnGrid && i == size_t(last)) v = b;
        // The double the decimal text reads as: 0.3 + 2 * 0.15 is 0.6000000000000001, the cell's
        // value must be 0.6 for it to equal a run with --set ...=0.6.
        else if (decimals >= 0) v = std::round(v * std::pow(10.0, decimals)) / std::pow(10.0, decimals);
        out.values.emplace_back(v);
        out.labels.push_back(decimals >= 0 ? formatDecimals(v, decimals) : Value(v).describe());
    }
    return out;
}

}  // namespace

SweepValues parseSweepValues(const InputDecl& in, const std::string& rawText, const std::string& where) {
    const std::string text = trimmed(rawText);
    if (text.empty()) throw Error(where + ": no values (write a list like 4,7,10 or a range like 0.3:0.9:0.15)");
    const bool numeric = in.type == types::Int || in.type == types::Float;
    if (numeric && text.find(':') != std::string::npos) {
        const auto parts = split(text, ':');
        if (parts.size() < 2 || parts.size() > 3)
            throw Error(where + ": '" + text + "' is not a range; write a:b:step, like 0.3:0.9:0.15");
        return in.type == types::Int ? intRange(in, parts, where) : floatRange(in, parts, where);
    }
    const bool isText = in.type == types::String;
    const auto items = split(text, isText ? '|' : ',');
    checkCount(items.size(), where);
    SweepValues out;
    for (const auto& item : items) {
        if (item.empty())
            throw Error(where + ": an empty value in '" + text + "' (values are separated by " +
                        (isText ? "'|'" : "','") + ")");
        out.values.push_back(parseWidgetValue(in, item, where));
        out.labels.push_back(item);
    }
    return out;
}

}  // namespace tessera
