#include "core/engine/text/pooled_text.h"

#include "core/common/error.h"
#include "core/engine/text/text_encoder.h"

#include <ATen/ATen.h>

namespace tessera::engine {

at::Tensor pooledTextEmbedding(const TextEncoder& encoder, const std::string& prompt, const EmbeddingProvider* embeddings) {
    const std::vector<PromptChunk> chunks = encoder.tokenize(prompt, embeddings);
    if (chunks.empty()) throw Error("nothing to encode: no token chunks");
    const PromptChunk& first = chunks.front();
    const TextEncoderOptions& options = encoder.options();
    std::vector<int64_t> ids;
    std::vector<EmbeddingOverride> overrides;
    int64_t endAt = -1;
    for (size_t p = 0; p < first.size(); ++p) {
        const PromptToken& t = first[p];
        if (t.id < 0) overrides.push_back({0, int64_t(p), t.embedding});
        ids.push_back(t.id < 0 ? options.padToken : t.id);
        if (endAt < 0 && t.id == options.endToken) endAt = int64_t(p);
    }
    if (endAt < 0) throw Error("the prompt's tokens have no end token to pool");
    const at::Tensor tokens = at::tensor(ids, at::kLong).unsqueeze(0);
    const at::Tensor hidden = encoder.model().forward(tokens, -1, overrides);
    return hidden[0][endAt].to(at::kCPU, at::kFloat).clone();
}

}  // namespace tessera::engine
