#include "core/engine/text/clip_tokenizer.h"

#include "core/common/error.h"
#include "core/engine/text/clip_text_cleanup.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <string_view>

namespace tessera::engine {
namespace {

namespace fs = std::filesystem;

// Number of merges openai's tokenizer uses from the vocabulary file: 49152 - 256 - 2.
constexpr size_t kMergeCount = 49152 - 256 - 2;
constexpr size_t kCacheLimit = 100000;

std::string readMaybeGzipped(const std::string& path) {
    // gzread reads plain files unchanged, so one path serves .txt and .txt.gz.
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw Error("cannot open the CLIP vocabulary '" + path + "'");
    std::string out;
    char buf[1 << 16];
    int n = 0;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    int err = 0;
    const char* msg = gzerror(f, &err);
    const std::string why = msg ? msg : "";
    gzclose(f);
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
        throw Error("the CLIP vocabulary '" + path + "' is damaged (" + why + "); download it again");
    return out;
}

// Lines without their "\n" / "\r\n", as views into `text`.
std::vector<std::string_view> splitLines(const std::string& text) {
    std::vector<std::string_view> lines;
    lines.reserve(text.size() / 8);
    size_t begin = 0;
    while (begin <= text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + begin, end - begin);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        begin = end + 1;
    }
    return lines;
}

// "a b" -> {"a", "b"}; false unless the line holds exactly two symbols.
bool splitMerge(std::string_view line, std::string_view& first, std::string_view& second) {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= line.size()) return false;
    if (line.find(' ', space + 1) != std::string_view::npos) return false;
    first = line.substr(0, space);
    second = line.substr(space + 1);
    return true;
}

std::string utf8(char32_t c) {
    const char32_t one[1] = {c};
    return QString::fromUcs4(one, 1).toStdString();
}

std::string utf8(const std::vector<char32_t>& text, size_t begin, size_t end) {
    return QString::fromUcs4(text.data() + begin, static_cast<qsizetype>(end - begin)).toStdString();
}

bool startsWithAt(const std::vector<char32_t>& text, size_t i, const char* ascii, bool ignoreCase) {
    for (size_t k = 0; ascii[k]; ++k) {
        if (i + k >= text.size()) return false;
        char32_t c = text[i + k];
        if (ignoreCase && c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
        if (c != static_cast<char32_t>(ascii[k])) return false;
    }
    return true;
}

// CLIP's pattern: <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
std::vector<std::string> preTokenize(const std::vector<char32_t>& text) {
    static const char* const kSpecial[] = {"<|startoftext|>", "<|endoftext|>"};
    static const char* const kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    std::vector<std::string> out;
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const char32_t c = text[i];
        size_t matched = 0;
        for (const char* s : kSpecial)
            if (!matched && startsWithAt(text, i, s, true)) matched = std::char_traits<char>::length(s);
        if (!matched && c == '\'')
            for (const char* s : kContractions)
                if (!matched && startsWithAt(text, i, s, true)) matched = std::char_traits<char>::length(s);
        if (!matched) {
            if (QChar::isLetter(c)) {
                size_t j = i + 1;
                while (j < n && QChar::isLetter(text[j])) ++j;
                matched = j - i;
            } else if (QChar::isNumber(c)) {
                matched = 1;
            } else if (QChar::isSpace(c)) {
                ++i;
                continue;
            } else {
                size_t j = i + 1;
                while (j < n && !QChar::isSpace(text[j]) && !QChar::isLetter(text[j]) && !QChar::isNumber(text[j])) ++j;
                matched = j - i;
            }
        }
        out.push_back(utf8(text, i, i + matched));
        i += matched;
    }
    return out;
}

}  // namespace

ClipTokenizer::ClipTokenizer() { buildByteEncoder(); }

ClipTokenizer::ClipTokenizer(ClipTokenizer&& other) noexcept
    : byteEncoder_(std::move(other.byteEncoder_)),
      encoder_(std::move(other.encoder_)),
      decoder_(std::move(other.decoder_)),
      mergeRanks_(std::move(other.mergeRanks_)) {}

void ClipTokenizer::buildByteEncoder() {
    // openai's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others are
    // shifted to 256+n, in byte order. The vocabulary lists them in this (printable-first) order.
    std::vector<int> bytes;
    std::vector<char32_t> chars;
    auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
    for (int b = 0; b < 256; ++b)
        if (printable(b)) {
            bytes.push_back(b);
            chars.push_back(static_cast<char32_t>(b));
        }
    int shifted = 0;
    for (int b = 0; b < 256; ++b)
        if (!printable(b)) {
            bytes.push_back(b);
            chars.push_back(static_cast<char32_t>(256 + shifted++));
        }
    byteEncoder_.assign(256, {});
    decoder_.clear();
    for (size_t i = 0; i < bytes.size(); ++i) {
        byteEncoder_[static_cast<size_t>(bytes[i])] = utf8(chars[i]);
        decoder_.push_back(utf8(chars[i]));
    }
}

ClipTokenizer ClipTokenizer::fromFile(const std::string& path) {
    if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0)
        return fromHuggingFace(path, (fs::path(path).parent_path() / "merges.txt").string());
    const std::string text = readMaybeGzipped(path);
    const std::vector<std::string_view> lines = splitLines(text);
    if (lines.size() < kMergeCount + 1)
        throw Error("the CLIP vocabulary '" + path + "' is incomplete (" + std::to_string(lines.size()) +
                    " lines, expected at least " + std::to_string(kMergeCount + 1) + "); download it again");
    ClipTokenizer tok;
    const size_t byteCount = tok.decoder_.size();
    tok.decoder_.reserve(2 * byteCount + kMergeCount + 2);
    for (size_t i = 0; i < byteCount; ++i) tok.decoder_.push_back(tok.decoder_[i] + "</w>");
    tok.mergeRanks_.reserve(kMergeCount);
    std::string_view a, b;
    for (size_t i = 0; i < kMergeCount; ++i) {
        if (!splitMerge(lines[i + 1], a, b))
            throw Error("the CLIP vocabulary '" + path + "' has a malformed merge on line " + std::to_string(i + 2));
        tok.mergeRanks_.emplace(std::string(lines[i + 1]), static_cast<int>(i));
        std::string joined;
        joined.reserve(a.size() + b.size());
        tok.decoder_.push_back(joined.append(a).append(b));
    }
    tok.decoder_.push_back("<|startoftext|>");
    tok.decoder_.push_back("<|endoftext|>");
    tok.encoder_.reserve(tok.decoder_.size());
    for (size_t i = 0; i < tok.decoder_.size(); ++i) tok.encoder_.emplace(tok.decoder_[i], static_cast<int>(i));
    return tok;
}

ClipTokenizer ClipTokenizer::fromHuggingFace(const std::string& vocabJson, const std::string& mergesTxt) {
    QFile vf(QString::fromStdString(vocabJson));
    if (!vf.open(QIODevice::ReadOnly)) throw Error("cannot open the CLIP vocabulary '" + vocabJson + "'");
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(vf.readAll(), &perr);
    if (!doc.isObject())
        throw Error("the CLIP vocabulary '" + vocabJson + "' is not a JSON object (" + perr.errorString().toStdString() + ")");
    ClipTokenizer tok;
    const QJsonObject obj = doc.object();
    tok.decoder_.assign(static_cast<size_t>(obj.size()), {});
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const int id = it.value().toInt(-1);
        if (id < 0 || id >= obj.size())
            throw Error("the CLIP vocabulary '" + vocabJson + "' has an invalid id for '" + it.key().toStdString() + "'");
        tok.decoder_[static_cast<size_t>(id)] = it.key().toStdString();
        tok.encoder_.emplace(it.key().toStdString(), id);
    }
    if (tok.tokenId("<|startoftext|>") != kStartOfText || tok.tokenId("<|endoftext|>") != kEndOfText)
        throw Error("the CLIP vocabulary '" + vocabJson + "' is not CLIP's (<|startoftext|> must be 49406)");
    const std::string text = readMaybeGzipped(mergesTxt);
    const std::vector<std::string_view> lines = splitLines(text);
    std::string_view a, b;
    int rank = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].empty() || (i == 0 && lines[i].rfind("#version", 0) == 0)) continue;
        if (!splitMerge(lines[i], a, b))
            throw Error("the CLIP merges file '" + mergesTxt + "' has a malformed line " + std::to_string(i + 1));
        tok.mergeRanks_.emplace(std::string(lines[i]), rank++);
    }
    return tok;
}

std::shared_ptr<const ClipTokenizer> ClipTokenizer::shared(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const ClipTokenizer>> loaded;
    std::error_code ec;
    std::string key = fs::weakly_canonical(path, ec).string();
    if (ec) key = path;
    std::lock_guard lock(mutex);
    auto it = loaded.find(key);
    if (it != loaded.end()) return it->second;
    auto tok = std::make_shared<const ClipTokenizer>(fromFile(path));
    loaded.emplace(key, tok);
    return tok;
}

std::string ClipTokenizer::findVocabulary(const std::vector<std::string>& modelDirs, const std::string& appDataDir) {
    auto isFile = [](const fs::path& p) {
        std::error_code ec;
        return fs::is_regular_file(p, ec);
    };
    if (const char* env = std::getenv("TESSERA_CLIP_VOCAB"); env && *env) {
        if (!isFile(env))
            throw Error(std::string("TESSERA_CLIP_VOCAB points to '") + env +
                        "', which is not a file. Point it to bpe_simple_vocab_16e6.txt.gz (or a vocab.json with "
                        "merges.txt beside it), or unset it.");
        return env;
    }
    std::string looked;
    for (const std::string& dir : modelDirs) {
        const fs::path tokenizers = fs::path(dir) / "tokenizers";
        if (isFile(tokenizers / kVocabFileName)) return (tokenizers / kVocabFileName).string();
        if (isFile(tokenizers / "vocab.json") && isFile(tokenizers / "merges.txt"))
            return (tokenizers / "vocab.json").string();
        looked += "\n  " + tokenizers.string();
    }
    if (!appDataDir.empty()) {
        if (isFile(fs::path(appDataDir) / kVocabFileName)) return (fs::path(appDataDir) / kVocabFileName).string();
        looked += "\n  " + appDataDir;
    }
    const std::string where = modelDirs.empty() ? std::string("<models folder>/tokenizers")
                                                : (fs::path(modelDirs.front()) / "tokenizers").string();
    throw Error("The CLIP tokenizer vocabulary was not found. Put " + std::string(kVocabFileName) +
                " (from github.com/openai/CLIP, folder clip/) into " + where +
                " (or vocab.json and merges.txt from openai/clip-vit-large-patch14 into the same folder), "
                "or set TESSERA_CLIP_VOCAB to the file's path. Looked in:" +
                (looked.empty() ? std::string("\n  (no folders configured)") : looked));
}

int ClipTokenizer::tokenId(const std::string& entry) const {
    auto it = encoder_.find(entry);
    return it == encoder_.end() ? -1 : it->second;
}

std::string ClipTokenizer::token(int id) const {
    return id >= 0 && static_cast<size_t>(id) < decoder_.size() ? decoder_[static_cast<size_t>(id)] : std::string();
}

void ClipTokenizer::bpe(const std::vector<std::string>& symbols, std::vector<int>& out) const {
    std::vector<std::string> word = symbols;
    word.back() += "</w>";
    std::string key;
    while (word.size() > 1) {
        int bestRank = std::numeric_limits<int>::max();
        size_t best = 0;
        for (size_t i = 0; i + 1 < word.size(); ++i) {
            key.assign(word[i]).append(" ").append(word[i + 1]);
            auto it = mergeRanks_.find(key);
            if (it != mergeRanks_.end() && it->second < bestRank) {
                bestRank = it->second;
                best = i;
            }
        }
        if (bestRank == std::numeric_limits<int>::max()) break;
        // Merge every occurrence of the best pair, left to right, as openai's bpe() does.
        const std::string first = word[best], second = word[best + 1];
        std::vector<std::string> merged;
        merged.reserve(word.size());
        for (size_t i = 0; i < word.size();) {
            if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
                merged.push_back(first + second);
                i += 2;
            } else {
                merged.push_back(word[i++]);
            }
        }
        word = std::move(merged);
    }
    for (const std::string& piece : word) {
        const int id = tokenId(piece);
        if (id < 0) throw Error("the CLIP vocabulary lacks the token '" + piece + "' (is the vocabulary file complete?)");
        out.push_back(id);
    }
}

std::vector<int> ClipTokenizer::encode(const std::string& utf8Text) const {
    const QString cleaned = cleanClipText(QString::fromUtf8(utf8Text.data(), static_cast<qsizetype>(utf8Text.size())));
    std::vector<int> ids;
    const QList<uint> ucs4 = cleaned.toUcs4();
    for (const std::string& piece : preTokenize(std::vector<char32_t>(ucs4.begin(), ucs4.end()))) {
        if (piece == "<|startoftext|>") {
            ids.push_back(kStartOfText);
            continue;
        }
        if (piece == "<|endoftext|>") {
            ids.push_back(kEndOfText);
            continue;
        }
        {
            std::lock_guard lock(cacheMutex_);
            auto it = cache_.find(piece);
            if (it != cache_.end()) {
                ids.insert(ids.end(), it->second.begin(), it->second.end());
                continue;
            }
        }
        std::vector<std::string> symbols;
        symbols.reserve(piece.size());
        for (unsigned char byte : piece) symbols.push_back(byteEncoder_[byte]);
        std::vector<int> pieceIds;
        bpe(symbols, pieceIds);
        ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
        std::lock_guard lock(cacheMutex_);
        if (cache_.size() >= kCacheLimit) cache_.clear();
        cache_.emplace(piece, std::move(pieceIds));
    }
    return ids;
}

}  // namespace tessera::engine
