#include "tests/server/body_mutator.h"

#include <algorithm>
#include <limits>

namespace tessera::test {

BodyMutator::BodyMutator(uint64_t seed, std::vector<QByteArray> dictionary)
    : rng_(seed), dictionary_(std::move(dictionary)) {}

int BodyMutator::below(int n) { return n <= 1 ? 0 : int(std::uniform_int_distribution<int>(0, n - 1)(rng_)); }

bool BodyMutator::chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

QByteArray BodyMutator::mutateBytes(QByteArray body) {
    const int count = 1 + below(4);
    for (int i = 0; i < count; ++i) mutateOnce(body);
    return body;
}

void BodyMutator::mutateOnce(QByteArray& body) {
    const int size = int(body.size());
    const int at = below(size + 1);
    switch (below(7)) {
        case 0:  // flip bits of one byte
            if (size) body[at % size] = char(uchar(body[at % size]) ^ uchar(1 + below(255)));
            break;
        case 1:  // insert random bytes
            body.insert(at, garbage(16));
            break;
        case 2:  // delete a range
            body.remove(at, 1 + below(32));
            break;
        case 3:  // repeat a range
            if (size) {
                const int from = below(size), length = 1 + below(std::min(64, size - from));
                const QByteArray chunk = body.mid(from, length);
                const int times = 1 + below(chance(0.1) ? 2000 : 8);
                body.insert(at, chunk.repeated(times));
            }
            break;
        case 4:  // truncate
            body.truncate(at);
            break;
        case 5:  // splice in a dictionary token
            if (!dictionary_.empty()) body.insert(at, pick(dictionary_));
            break;
        default:  // overwrite a range with a dictionary token
            if (!dictionary_.empty()) body.replace(at, int(pick(dictionary_).size()), pick(dictionary_));
            break;
    }
}

QByteArray BodyMutator::garbage(int maxBytes) {
    QByteArray bytes(below(maxBytes + 1), '\0');
    const bool printable = chance(0.5);
    for (auto& b : bytes) b = printable ? char(32 + below(95)) : char(below(256));
    return bytes;
}

Json BodyMutator::edgeValue() {
    switch (below(22)) {
        case 0: return Json();
        case 1: return Json(true);
        case 2: return Json(int64_t(0));
        case 3: return Json(int64_t(-1));
        case 4: return Json(int64_t(1));
        case 5: return Json(int64_t(9007199254740993));
        case 6: return Json(std::numeric_limits<int64_t>::min());
        case 7: return Json(1e308);
        case 8: return Json(-1e308);
        case 9: return Json(0.5);
        case 10: return Json("");
        case 11: return Json(std::string(300, 'x'));
        case 12: return Json("../../../../etc/passwd");
        case 13: return Json(Json::Array{});
        case 14: return Json(Json::Object{});
        case 15: return Json(Json::Array{Json("1"), Json(int64_t(0))});
        case 16: return Json(Json::Array{Json("1"), Json(int64_t(7))});
        case 17: return Json(Json::Array{Json("no-such-node"), Json(int64_t(0))});
        case 18: return Json(Json::Array{Json("5"), Json(int64_t(0))});  // often a cycle
        case 19: return Json(Json::Array{Json(int64_t(1)), Json(int64_t(0))});
        case 20: return Json(Json::Array{Json("1")});
        default: {
            Json node;
            node.set("class_type", below(2) ? "KSampler" : "SaveImage");
            return node;
        }
    }
}

void BodyMutator::replaceNth(Json& value, int target, int& seen) {
    if (seen++ == target) {
        value = edgeValue();
        return;
    }
    if (value.isArray())
        for (Json& item : value.array()) {
            if (seen > target) return;
            replaceNth(item, target, seen);
        }
    if (value.isObject()) {
        auto& members = value.object();
        for (auto it = members.begin(); it != members.end(); ++it) {
            if (seen > target) return;
            if (seen == target && chance(0.25)) {  // drop the member instead of changing it
                members.erase(it);
                ++seen;
                return;
            }
            replaceNth(it->second, target, seen);
        }
    }
}

Json BodyMutator::mutateJson(const Json& value) {
    int total = 0;
    Json copy = value;
    replaceNth(copy, std::numeric_limits<int>::max(), total);  // counts the values
    copy = value;
    int seen = 0;
    replaceNth(copy, 1 + below(std::max(1, total - 1)), seen);
    return copy;
}

}  // namespace tessera::test
