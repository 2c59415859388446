// ComfyUI's text nodes (comfy_extras/nodes_string.py, "utils/string"): StringConcatenate, StringSubstring,
// StringLength, CaseConverter, StringTrim, StringReplace, StringContains, StringCompare, RegexMatch, RegexExtract,
// RegexReplace. Lengths and positions count characters (code points), as Python's do; the regex nodes use
// QRegularExpression (PCRE2), which reads the patterns prompts use as Python's re does.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"

#include <QRegularExpression>
#include <QString>

#include <algorithm>
#include <cstdint>

namespace tessera::nodes {
namespace {

QString text(const NodeContext& ctx, const std::string& name) { return QString::fromStdString(ctx.getString(name)); }
Value textValue(const QString& s) { return Value(s.toStdString()); }

// Python's s[start:end] on code points: negative positions count from the end, both clamped to the string.
QString pythonSlice(const QString& s, int64_t start, int64_t end) {
    const QList<uint> points = s.toUcs4();
    const auto n = static_cast<int64_t>(points.size());
    auto clampIndex = [n](int64_t i) { return std::clamp(i < 0 ? i + n : i, int64_t(0), n); };
    const int64_t from = clampIndex(start), to = clampIndex(end);
    if (to <= from) return {};
    return QString::fromUcs4(reinterpret_cast<const char32_t*>(points.data() + from), static_cast<qsizetype>(to - from));
}

// Python's str.title(): a letter after a letter is lowered, any other letter raised.
QString titleCase(const QString& s) {
    QString out;
    bool previousCased = false;
    for (const QChar c : s) {
        out += previousCased ? c.toLower() : c.toUpper();
        previousCased = c.isLetter();
    }
    return out;
}

NodeDecl stringNode(const std::string& type, const std::string& displayName, const std::string& description,
                    std::vector<InputDecl> inputs, OutputDecl out, RunFunction run) {
    NodeDecl d = makeDecl(type, displayName, "utils/string", description);
    d.inputs = std::move(inputs);
    d.outputs = {std::move(out)};
    d.run = std::move(run);
    return d;
}

QRegularExpression::PatternOptions regexOptions(const NodeContext& ctx) {
    QRegularExpression::PatternOptions options = QRegularExpression::NoPatternOption;
    if (ctx.getBool("case_insensitive")) options |= QRegularExpression::CaseInsensitiveOption;
    if (ctx.getBool("multiline")) options |= QRegularExpression::MultilineOption;
    if (ctx.getBool("dotall")) options |= QRegularExpression::DotMatchesEverythingOption;
    return options;
}

std::vector<InputDecl> regexInputs(std::vector<InputDecl> extra = {}) {
    std::vector<InputDecl> in = {stringInput("string", "", true), stringInput("regex_pattern", "", true)};
    in.insert(in.end(), extra.begin(), extra.end());
    return in;
}

const std::vector<InputDecl> kRegexFlags = {boolInput("case_insensitive", true), boolInput("multiline", false),
                                            boolInput("dotall", false)};

// RegexExtract's result for a valid pattern (ComfyUI gives "" for an invalid one, as here).
QString extract(const QRegularExpression& re, const QString& s, const std::string& mode, int group) {
    QStringList found;
    for (auto it = re.globalMatch(s); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        if (mode == "First Match") return m.captured(0);
        if (mode == "First Group") return re.captureCount() >= group ? m.captured(group) : QString();
        if (mode == "All Matches") found << (re.captureCount() > 0 ? m.captured(1) : m.captured(0));  // findall's tuples
        if (mode == "All Groups" && re.captureCount() > 0 && re.captureCount() >= group) found << m.captured(group);
    }
    return found.join('\n');
}

}  // namespace

void registerStringNodes(Registry& registry) {
    registry.add(stringNode("StringConcatenate", "Concatenate", "string_a, the delimiter, then string_b.",
                            {stringInput("string_a", "", true), stringInput("string_b", "", true), stringInput("delimiter", "")},
                            output("STRING", "STRING"), [](NodeContext& ctx) {
                                return std::vector<Value>{Value(ctx.getString("string_a") + ctx.getString("delimiter") +
                                                                ctx.getString("string_b"))};
                            }));
    registry.add(stringNode("StringSubstring", "Substring",
                            "The characters from start up to end, as Python slices (negative counts from the end).",
                            {stringInput("string", "", true), intInput("start", 0, INT64_MIN + 1, INT64_MAX),
                             intInput("end", 0, INT64_MIN + 1, INT64_MAX)},
                            output("STRING", "STRING"), [](NodeContext& ctx) {
                                return std::vector<Value>{textValue(pythonSlice(text(ctx, "string"), ctx.getInt("start"), ctx.getInt("end")))};
                            }));
    registry.add(stringNode("StringLength", "Length", "The number of characters.", {stringInput("string", "", true)},
                            output("length", "INT"), [](NodeContext& ctx) {
                                return std::vector<Value>{Value(int64_t(text(ctx, "string").toUcs4().size()))};
                            }));
    registry.add(stringNode("CaseConverter", "Case Converter", "UPPERCASE, lowercase, Capitalize (the first letter) or Title Case.",
                            {stringInput("string", "", true), comboInput("mode", {"UPPERCASE", "lowercase", "Capitalize", "Title Case"})},
                            output("STRING", "STRING"), [](NodeContext& ctx) {
                                const QString s = text(ctx, "string");
                                const std::string mode = ctx.getString("mode");
                                QString out = s;
                                if (mode == "UPPERCASE") out = s.toUpper();
                                else if (mode == "lowercase") out = s.toLower();
                                else if (mode == "Capitalize") out = s.left(1).toUpper() + s.mid(1).toLower();
                                else if (mode == "Title Case") out = titleCase(s);
                                return std::vector<Value>{textValue(out)};
                            }));
    registry.add(stringNode("StringTrim", "Trim", "Removes white space from both ends, the left or the right.",
                            {stringInput("string", "", true), comboInput("mode", {"Both", "Left", "Right"})},
                            output("STRING", "STRING"), [](NodeContext& ctx) {
                                QString s = text(ctx, "string");
                                const std::string mode = ctx.getString("mode");
                                qsizetype from = 0, to = s.size();
                                if (mode != "Right") while (from < to && s[from].isSpace()) ++from;
                                if (mode != "Left") while (to > from && s[to - 1].isSpace()) --to;
                                return std::vector<Value>{textValue(s.mid(from, to - from))};
                            }));
    registry.add(stringNode("StringReplace", "Replace", "Every occurrence of find replaced.",
                            {stringInput("string", "", true), stringInput("find", "", true), stringInput("replace", "", true)},
                            output("STRING", "STRING"), [](NodeContext& ctx) {
                                // Python inserts the replacement between every character for an empty find.
                                const QString find = text(ctx, "find"), replace = text(ctx, "replace");
                                QString s = text(ctx, "string");
                                if (find.isEmpty()) {
                                    QString out = replace;
                                    for (const QChar c : s) out += QString(c) + replace;
                                    return std::vector<Value>{textValue(out)};
                                }
                                return std::vector<Value>{textValue(s.replace(find, replace))};
                            }));
    registry.add(stringNode("StringContains", "Contains", "Whether the substring occurs in the string.",
                            {stringInput("string", "", true), stringInput("substring", "", true), boolInput("case_sensitive", true)},
                            output("contains", "BOOLEAN"), [](NodeContext& ctx) {
                                const auto cs = ctx.getBool("case_sensitive") ? Qt::CaseSensitive : Qt::CaseInsensitive;
                                return std::vector<Value>{Value(text(ctx, "string").contains(text(ctx, "substring"), cs))};
                            }));
    registry.add(stringNode("StringCompare", "Compare", "Whether string_a starts with, ends with or equals string_b.",
                            {stringInput("string_a", "", true), stringInput("string_b", "", true),
                             comboInput("mode", {"Starts With", "Ends With", "Equal"}), boolInput("case_sensitive", true)},
                            output("BOOLEAN", "BOOLEAN"), [](NodeContext& ctx) {
                                QString a = text(ctx, "string_a"), b = text(ctx, "string_b");
                                if (!ctx.getBool("case_sensitive")) a = a.toLower(), b = b.toLower();
                                const std::string mode = ctx.getString("mode");
                                const bool result = mode == "Equal" ? a == b : mode == "Starts With" ? a.startsWith(b) : a.endsWith(b);
                                return std::vector<Value>{Value(result)};
                            }));
    registry.add(stringNode("RegexMatch", "Regex Match", "Whether the pattern matches anywhere (false for an invalid pattern).",
                            regexInputs(kRegexFlags), output("matches", "BOOLEAN"), [](NodeContext& ctx) {
                                const QRegularExpression re(text(ctx, "regex_pattern"), regexOptions(ctx));
                                return std::vector<Value>{Value(re.isValid() && re.match(text(ctx, "string")).hasMatch())};
                            }));
    std::vector<InputDecl> extractInputs = {comboInput("mode", {"First Match", "All Matches", "First Group", "All Groups"})};
    extractInputs.insert(extractInputs.end(), kRegexFlags.begin(), kRegexFlags.end());
    extractInputs.push_back(intInput("group_index", 1, 0, 100));
    registry.add(stringNode("RegexExtract", "Regex Extract",
                            "The first match, all matches, or a group of the first or every match, one per line.",
                            regexInputs(extractInputs), output("STRING", "STRING"), [](NodeContext& ctx) {
                                const QRegularExpression re(text(ctx, "regex_pattern"), regexOptions(ctx));
                                if (!re.isValid()) return std::vector<Value>{Value(std::string())};
                                return std::vector<Value>{textValue(extract(re, text(ctx, "string"), ctx.getString("mode"),
                                                                            static_cast<int>(ctx.getInt("group_index"))))};
                            }));
    std::vector<InputDecl> replaceInputs = {stringInput("replace", "", true)};
    replaceInputs.insert(replaceInputs.end(), kRegexFlags.begin(), kRegexFlags.end());
    replaceInputs.push_back(intInput("count", 0, 0, 100));
    registry.add(stringNode("RegexReplace", "Regex Replace",
                            "Find and replace with a pattern; \\1 in the replacement is the first group. count 0 replaces "
                            "every match.",
                            regexInputs(replaceInputs), output("STRING", "STRING"), [](NodeContext& ctx) {
                                const QRegularExpression re(text(ctx, "regex_pattern"), regexOptions(ctx));
                                if (!re.isValid())
                                    ctx.fail("the pattern '" + ctx.getString("regex_pattern") + "' is not a valid regular expression: " +
                                             re.errorString().toStdString());
                                const QString s = text(ctx, "string"), replace = text(ctx, "replace");
                                const int64_t limit = ctx.getInt("count");
                                QString out;
                                qsizetype last = 0;
                                int64_t done = 0;
                                for (auto it = re.globalMatch(s); it.hasNext() && (limit == 0 || done < limit); ++done) {
                                    const QRegularExpressionMatch m = it.next();
                                    QString replacement = replace;
                                    for (int g = re.captureCount(); g >= 1; --g)
                                        replacement.replace("\\" + QString::number(g), m.captured(g));
                                    out += s.mid(last, m.capturedStart() - last) + replacement;
                                    last = m.capturedEnd();
                                }
                                return std::vector<Value>{textValue(out + s.mid(last))};
                            }));
}

}  // namespace tessera::nodes
