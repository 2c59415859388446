#include "app/editor/node_catalog.h"

#include "app/editor/document_util.h"
#include "core/graph/port_types.h"

#include <QColor>
#include <QHash>

#include <algorithm>
#include <map>
#include <vector>

namespace tessera::editor {

namespace {


// Scoring of one matched character (fuzzyScore).
constexpr int kMatch = 10;
constexpr int kPrefixBonus = 15;     // the text's first character
constexpr int kWordStartBonus = 10;  // after a space, '_', '-', '/', a lower-to-upper or letter-digit change
constexpr int kContiguousBonus = 8;  // right after the previous matched character
constexpr int kGapPenalty = 1;       // per skipped character between matches (at most kMaxGapPenalty)
constexpr int kMaxGapPenalty = 6;
constexpr int kExactBonus = 40;      // the whole text, ignoring case and spaces

bool isWordStart(const QString& text, int i) {
    if (i == 0) return true;
    const QChar prev = text[i - 1], c = text[i];
    if (!prev.isLetterOrNumber()) return c.isLetterOrNumber();
    if (prev.isLower() && c.isUpper()) return true;
    return prev.isLetter() != c.isLetter();
}

// Weight (percent) of each searched field: the name counts most.
constexpr int kNameWeight = 100, kTypeWeight = 90, kCategoryWeight = 50, kPortWeight = 40;

}  // namespace

NodeCatalog::NodeCatalog(const Registry& registry, QObject* parent) : QObject(parent), registry_(registry) {}

int NodeCatalog::fuzzyScore(const QString& query, const QString& text) {
    QString needle;
    for (QChar c : query)
        if (!c.isSpace()) needle += c.toLower();
    if (needle.isEmpty()) return 0;
    const QString hay = text.toLower();
    const int m = int(needle.size()), n = int(hay.size());
    if (m > n) return 0;
    // best[j]: the best score with the current query character matched at text position j.
    constexpr int kNone = -1000000;
    std::vector<int> best(size_t(n), kNone), next(size_t(n), kNone);
    for (int i = 0; i < m; ++i) {
        std::fill(next.begin(), next.end(), kNone);
        for (int j = i; j < n; ++j) {
            if (hay[j] != needle[i]) continue;
            int here = kMatch + (j == 0 ? kPrefixBonus : 0) + (isWordStart(text, j) ? kWordStartBonus : 0);
            int from = kNone;
            if (i == 0) {
                from = -std::min(j, kMaxGapPenalty) * kGapPenalty / 2;  // a late start costs a little
            } else {
                for (int k = i - 1; k < j; ++k) {
                    if (best[size_t(k)] == kNone) continue;
                    const int gap = j - k - 1;
                    const int s = best[size_t(k)] + (gap == 0 ? kContiguousBonus : -std::min(gap, kMaxGapPenalty) * kGapPenalty);
                    from = std::max(from, s);
                }
            }
            if (from != kNone) next[size_t(j)] = from + here;
        }
        std::swap(best, next);
    }
    int score = *std::max_element(best.begin(), best.end());
    if (score == kNone) return 0;
    QString compact;
    for (QChar c : hay)
        if (!c.isSpace()) compact += c;
    if (compact == needle) score += kExactBonus;
    score -= (n - m) / 4;  // shorter texts matching the same way rank first
    return std::max(score, 1);
}

QVariantList NodeCatalog::search(const QString& query, const QString& portType, bool portIsOutput, int limit) const {
    struct Hit {
        const NodeDecl* decl;
        int score;
        QString port;
    };
    std::vector<Hit> hits;
    const std::string wanted = portType.toStdString();
    for (const NodeDecl* d : registry_.all()) {
        QString port;
        if (!wanted.empty()) {
            bool found = false;
            if (portIsOutput) {  // dragged from an output: an input accepting it
                for (const auto& in : d->inputs)
                    if (types::compatible(wanted, in.type)) {
                        port = q(in.name);
                        found = true;
                        break;
                    }
            } else {  // dragged from an input: an output that can feed it
                for (size_t i = 0; i < d->outputs.size(); ++i)
                    if (types::compatible(d->outputs[i].type, wanted)) {
                        port = QString::number(i);
                        found = true;
                        break;
                    }
            }
            if (!found) continue;
        }
        int score = 0;
        if (!query.trimmed().isEmpty()) {
            score = fuzzyScore(query, q(d->displayName)) * kNameWeight / 100;
            score = std::max(score, fuzzyScore(query, q(d->type)) * kTypeWeight / 100);
            score = std::max(score, fuzzyScore(query, q(d->category)) * kCategoryWeight / 100);
            for (const auto& in : d->inputs)
                if (!in.isWidget()) score = std::max(score, fuzzyScore(query, q(in.type)) * kPortWeight / 100);
            for (const auto& o : d->outputs) score = std::max(score, fuzzyScore(query, q(o.type)) * kPortWeight / 100);
            if (score <= 0) continue;
        }
        hits.push_back({d, score, port});
    }
    // Registry order (category, then name) breaks ties.
    std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.score > b.score; });
    QVariantList out;
    for (const Hit& h : hits) {
        if (limit > 0 && out.size() >= limit) break;
        QVariantMap m{{"type", q(h.decl->type)},
                      {"displayName", q(h.decl->displayName.empty() ? h.decl->type : h.decl->displayName)},
                      {"category", q(h.decl->category)},
                      {"description", q(h.decl->description)},
                      {"score", h.score}};
        if (!wanted.empty()) m["port"] = h.port;
        out.push_back(m);
    }
    return out;
}

QVariantList NodeCatalog::categories() const {
    std::map<QString, QVariantList> byCategory;
    for (const NodeDecl* d : registry_.all())
        byCategory[q(d->category)].push_back(
            QVariantMap{{"type", q(d->type)}, {"displayName", q(d->displayName.empty() ? d->type : d->displayName)}});
    QVariantList out;
    for (auto& [category, list] : byCategory) out.push_back(QVariantMap{{"category", category}, {"types", list}});
    return out;
}

QString NodeCatalog::portColor(const QString& type) {
    // ComfyUI's default link colours for its types; greys for the widget value types.
    static const QHash<QString, QString> palette{
        {"MODEL", "#b39ddb"},        {"CLIP", "#ffd500"},  {"VAE", "#ff6e6e"},    {"CONDITIONING", "#ffa931"},
        {"LATENT", "#ff9cf9"},       {"IMAGE", "#64b5f6"}, {"MASK", "#81c784"},   {"CONTROL_NET", "#00d78d"},
        {"CLIP_VISION", "#a8dadc"},  {"STYLE_MODEL", "#c2ffae"}, {"UPSCALE_MODEL", "#b0b0b0"},
        {"INT", "#9e9e9e"},          {"FLOAT", "#b0b0b0"}, {"STRING", "#8a8a8a"}, {"BOOLEAN", "#c4c4c4"},
        {"COMBO", "#767676"},        {"*", "#dddddd"}};
    if (auto it = palette.find(type); it != palette.end()) return *it;
    // FNV-1a: the same colour in every run (qHash is seeded per process).
    quint32 h = 2166136261u;
    for (QChar c : type) h = (h ^ c.unicode()) * 16777619u;
    return QColor::fromHsl(int(h % 360), 150, 165).name();
}

}  // namespace tessera::editor
