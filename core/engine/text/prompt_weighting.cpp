#include "core/engine/text/prompt_weighting.h"

#include "core/common/error.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/text/textual_inversion.h"

#include <ATen/ATen.h>

#include <charconv>
#include <optional>

namespace tessera::engine {
namespace {

constexpr size_t kMaxWordLength = 8;  // words this long may be split across chunks
const std::string kEmbeddingPrefix = "embedding:";

// Escaped parentheses become control pairs the parser does not see, as in ComfyUI.
std::string escapeImportant(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == ')' || text[i + 1] == '(')) {
            out.push_back('\0');
            out.push_back(text[i + 1] == ')' ? '\1' : '\2');
            ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string unescapeImportant(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\0' && i + 1 < text.size() && (text[i + 1] == '\1' || text[i + 1] == '\2')) {
            out.push_back(text[i + 1] == '\1' ? ')' : '(');
            ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// Top-level pieces: plain text runs and balanced "( ... )" groups (ComfyUI's parse_parentheses).
std::vector<std::string> parseParentheses(const std::string& s) {
    std::vector<std::string> result;
    std::string current;
    int nesting = 0;
    for (char c : s) {
        if (c == '(') {
            if (nesting == 0) {
                if (!current.empty()) result.push_back(current);
                current = "(";
            } else {
                current += c;
            }
            ++nesting;
        } else if (c == ')') {
            --nesting;
            if (nesting == 0) {
                result.push_back(current + ")");
                current.clear();
            } else {
                current += c;
            }
        } else {
            current += c;
        }
    }
    if (!current.empty()) result.push_back(current);
    return result;
}

// Python's float(): surrounding whitespace, optional sign, decimal or exponent notation, inf/nan.
std::optional<double> parsePythonFloat(std::string s) {
    const char* ws = " \t\n\r\f\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return std::nullopt;
    s = s.substr(b, s.find_last_not_of(ws) - b + 1);
    bool negative = false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        i = 1;
    }
    if (i >= s.size() || s.find_first_of("xXpP(", i) != std::string::npos) return std::nullopt;
    double value = 0;
    const char* first = s.data() + i;
    const char* last = s.data() + s.size();
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last) return std::nullopt;
    return negative ? -value : value;
}

void tokenWeights(const std::string& text, double currentWeight, std::vector<WeightedText>& out) {
    for (std::string piece : parseParentheses(text)) {
        double weight = currentWeight;
        if (piece.size() >= 2 && piece.front() == '(' && piece.back() == ')') {
            piece = piece.substr(1, piece.size() - 2);
            weight *= 1.1;
            const size_t colon = piece.rfind(':');
            if (colon != std::string::npos && colon > 0) {
                if (auto explicitWeight = parsePythonFloat(piece.substr(colon + 1))) {
                    weight = *explicitWeight;
                    piece = piece.substr(0, colon);
                }
            }
            tokenWeights(piece, weight, out);
        } else {
            out.push_back({piece, currentWeight});
        }
    }
}

std::vector<std::string> splitWords(std::string text) {
    for (char& c : text)
        if (c == '\n') c = ' ';
    std::vector<std::string> words;
    size_t begin = 0;
    while (begin <= text.size()) {
        size_t end = text.find(' ', begin);
        if (end == std::string::npos) end = text.size();
        if (end > begin) words.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return words;
}

std::string stripCommas(const std::string& s) {
    const size_t b = s.find_first_not_of(',');
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(',') - b + 1);
}

std::optional<at::Tensor> findEmbedding(const std::string& name, const ChunkingOptions& o) {
    if (!o.embeddings)
        throw Error("the prompt uses 'embedding:" + name +
                    "', but no embeddings folder is available; add one to the models folders or remove it from the prompt");
    return o.embeddings->find(name, o.embeddingWidth, o.embeddingKey);
}

// ComfyUI's _try_get_embedding: "embedding:name," finds "name" and leaves "," to tokenize.
at::Tensor resolveEmbedding(const std::string& name, const ChunkingOptions& o, std::string& leftover) {
    leftover.clear();
    std::optional<at::Tensor> found = findEmbedding(name, o);
    if (!found) {
        const std::string stripped = stripCommas(name);
        if (stripped.size() < name.size()) {
            found = findEmbedding(stripped, o);
            leftover = name.substr(stripped.size());
        }
    }
    if (!found)
        throw Error("unknown textual-inversion embedding '" + name + "' in the prompt: put " + name +
                    ".safetensors into an embeddings folder (" + o.embeddings->describeLocations() +
                    ") or remove 'embedding:" + name + "' from the prompt");
    return *found;
}

using TokenGroup = std::vector<PromptToken>;

std::vector<TokenGroup> tokenGroups(const std::string& prompt, const ClipTokenizer& tokenizer, const ChunkingOptions& o) {
    std::vector<TokenGroup> groups;
    for (const WeightedText& segment : parsePromptWeights(prompt)) {
        for (std::string word : splitWords(segment.text)) {
            if (word.rfind(kEmbeddingPrefix, 0) == 0) {
                std::string leftover;
                const at::Tensor vectors = resolveEmbedding(word.substr(kEmbeddingPrefix.size()), o, leftover);
                TokenGroup group;
                for (int64_t r = 0; r < vectors.size(0); ++r) group.push_back({-1, vectors[r], segment.weight});
                groups.push_back(std::move(group));
                if (leftover.empty()) continue;
                word = leftover;
            }
            std::vector<int> ids;
            if (const int id = tokenizer.tokenId(word + "</w>"); id >= 0) ids = {id};
            else ids = tokenizer.encode(word);
            TokenGroup group;
            for (int id : ids) group.push_back({id, {}, segment.weight});
            groups.push_back(std::move(group));
        }
    }
    return groups;
}

}  // namespace

std::vector<WeightedText> parsePromptWeights(const std::string& prompt) {
    std::vector<WeightedText> out;
    tokenWeights(escapeImportant(prompt), 1.0, out);
    for (WeightedText& w : out) w.text = unescapeImportant(w.text);
    return out;
}

std::vector<PromptChunk> tokenizeWithWeights(const std::string& prompt, const ClipTokenizer& tokenizer,
                                             const ChunkingOptions& o) {
    if (o.maxLength < 3) throw Error("CLIP chunk length must be at least 3");
    const size_t L = static_cast<size_t>(o.maxLength);
    const PromptToken start{o.startToken, {}, 1.0}, end{o.endToken, {}, 1.0}, pad{o.padToken, {}, 1.0};
    std::vector<PromptChunk> chunks;
    PromptChunk batch{start};
    for (TokenGroup group : tokenGroups(prompt, tokenizer, o)) {
        const bool large = group.size() >= kMaxWordLength;
        while (!group.empty()) {
            if (group.size() + batch.size() > L - 1) {
                const size_t remaining = L - batch.size() - 1;
                if (large) {
                    batch.insert(batch.end(), group.begin(), group.begin() + static_cast<std::ptrdiff_t>(remaining));
                    batch.push_back(end);
                    group.erase(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(remaining));
                } else {
                    batch.push_back(end);
                    batch.insert(batch.end(), remaining, pad);
                }
                chunks.push_back(std::move(batch));
                batch = PromptChunk{start};
            } else {
                batch.insert(batch.end(), group.begin(), group.end());
                group.clear();
            }
        }
    }
    batch.push_back(end);
    batch.insert(batch.end(), L - batch.size(), pad);
    chunks.push_back(std::move(batch));
    return chunks;
}

}  // namespace tessera::engine
