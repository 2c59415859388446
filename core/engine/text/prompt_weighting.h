#pragma once
// ComfyUI's prompt syntax and chunking (comfy/sd1_clip.py semantics):
//   (words:1.3) sets a weight, (words) multiplies by 1.1, nesting multiplies, \( \) are literal
//   parentheses, a word `embedding:NAME` inserts a textual-inversion embedding.
// Tokens are grouped per space-separated word; a word of fewer than 8 tokens that does not fit
// in the current 75-token chunk moves whole to the next chunk. Every chunk is BOS + 75 + EOS,
// padded to 77.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::engine {

class ClipTokenizer;
class EmbeddingProvider;

struct WeightedText {
    std::string text;
    double weight = 1.0;
};

// ComfyUI's token_weights(escape_important(prompt), 1.0) with the texts unescaped. Malformed
// input never fails: an unclosed "(" keeps its text (with the parenthesis) at the outer weight,
// a stray ")" closes nothing, an unparsable ":weight" stays part of the text.
std::vector<WeightedText> parsePromptWeights(const std::string& prompt);

struct PromptToken {
    int id = -1;           // vocabulary id; -1 for an embedding vector
    at::Tensor embedding;  // [width] when id == -1
    double weight = 1.0;
};
using PromptChunk = std::vector<PromptToken>;

struct ChunkingOptions {
    int maxLength = 77;
    int startToken = 49406;
    int endToken = 49407;
    int padToken = 49407;  // SD1 pads with EOS, SD2 (OpenCLIP) with 0
    // Needed to resolve `embedding:NAME`: vectors must have this width.
    const EmbeddingProvider* embeddings = nullptr;
    int64_t embeddingWidth = 0;
    std::string embeddingKey = "clip_l";
};

// The prompt as chunks of exactly maxLength tokens (at least one chunk). Throws tessera::Error
// naming an embedding that is not found (or when no embedding folders are available).
std::vector<PromptChunk> tokenizeWithWeights(const std::string& prompt, const ClipTokenizer& tokenizer,
                                             const ChunkingOptions& options);

}  // namespace tessera::engine
