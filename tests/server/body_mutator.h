#pragma once
// Mutated and garbage request bodies from a fixed seed, for the server fuzz test. Byte-level
// mutations (flips, inserts, deletes, repeats, truncations, tokens from a dictionary) reach the
// parsers; JSON-aware ones (a value replaced by another type or an edge value, a key dropped)
// reach the validation behind them. The same seed gives the same bodies.
#include "core/io/json.h"

#include <QByteArray>

#include <cstdint>
#include <random>
#include <vector>

namespace tessera::test {

class BodyMutator {
public:
    // `dictionary`: tokens worth splicing in (delimiters, keywords, edge numbers).
    BodyMutator(uint64_t seed, std::vector<QByteArray> dictionary);

    QByteArray mutateBytes(QByteArray body);  // one to four stacked byte-level mutations
    Json mutateJson(const Json& value);       // one value somewhere replaced, or one key dropped
    QByteArray garbage(int maxBytes);         // random bytes, sometimes printable only

    int below(int n);  // 0 .. n-1
    bool chance(double p);
    const QByteArray& pick(const std::vector<QByteArray>& items) { return items[size_t(below(int(items.size())))]; }

private:
    void mutateOnce(QByteArray& body);
    Json edgeValue();
    // Replaces the `target`th value (depth first) of `value`; `seen` counts the values passed.
    void replaceNth(Json& value, int target, int& seen);

    std::mt19937_64 rng_;
    std::vector<QByteArray> dictionary_;
};

}  // namespace tessera::test
