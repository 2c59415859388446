#pragma once
// "Did you mean ...?" for names typed by hand or written by another program (samplers, schedulers,
// combo choices): the known names closest by edit distance. Header-only so the engine, which does
// not link tessera_core, can use it too.
#include <algorithm>
#include <string>
#include <vector>

namespace tessera {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours
// each cost 1 ("eulr" -> "euler" is 1, "eluer" -> "euler" is 1).
inline size_t nameEditDistance(const std::string& a, const std::string& b) {
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
    for (size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (size_t i = 1; i <= n; ++i)
        for (size_t j = 1; j <= m; ++j) {
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

// The known names at the smallest distance from `name` (at most 3, in their listed order), or none
// when even the closest needs more than a third of the name's letters changed (at least 2 allowed).
inline std::vector<std::string> closestNames(const std::string& name, const std::vector<std::string>& known) {
    const size_t limit = std::max<size_t>(2, name.size() / 3);
    size_t best = limit + 1;
    std::vector<std::string> out;
    for (const auto& k : known) {
        const size_t dist = nameEditDistance(name, k);
        if (dist < best) {
            best = dist;
            out.clear();
        }
        if (dist == best && out.size() < 3) out.push_back(k);
    }
    return out;
}

// "did you mean 'euler'?" / "did you mean 'euler' or 'heun'?", or "" without a close name.
inline std::string didYouMean(const std::string& name, const std::vector<std::string>& known) {
    const std::vector<std::string> close = closestNames(name, known);
    if (close.empty()) return {};
    std::string out = "did you mean ";
    for (size_t i = 0; i < close.size(); ++i)
        out += (i == 0 ? "" : i + 1 == close.size() ? " or " : ", ") + ("'" + close[i] + "'");
    return out + "?";
}

// "unknown sampler 'eulr'; did you mean 'euler'? valid samplers: euler, heun, ..."
inline std::string unknownNameMessage(const std::string& kind, const std::string& name, const std::vector<std::string>& known) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    const std::string hint = didYouMean(name, known);
    return "unknown " + kind + " '" + name + "'; " + (hint.empty() ? "" : hint + " ") + "valid " + kind + "s: " + list;
}

}  // namespace tessera
