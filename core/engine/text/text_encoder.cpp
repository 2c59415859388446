#include "core/engine/text/text_encoder.h"

#include "core/common/error.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/text/textual_inversion.h"

#include <ATen/ATen.h>

namespace tessera::engine {
namespace {

const char* kSd1Prefix = "cond_stage_model.transformer.text_model.";
const char* kSd2Prefix = "cond_stage_model.model.";
const char* kSd1TokenEmbedding = "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight";
const char* kSd2TokenEmbedding = "cond_stage_model.model.token_embedding.weight";

void checkLayer(int layer) {
    if (layer >= 0)
        throw Error("CLIP last layer " + std::to_string(layer) + " is invalid: use -1 (last), -2 (penultimate), ...");
}

}  // namespace

TextEncoderOptions TextEncoder::sd1Options() { return {}; }

TextEncoderOptions TextEncoder::sd2Options() {
    TextEncoderOptions o;
    o.padToken = 0;
    o.defaultLayer = -2;
    return o;
}

TextEncoder::TextEncoder(ClipTextModel model, std::shared_ptr<const ClipTokenizer> tokenizer, TextEncoderOptions options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(std::move(options)), lastLayer_(options_.defaultLayer) {
    if (!tokenizer_) throw Error("a text encoder needs a CLIP tokenizer");
    checkLayer(lastLayer_);
    if (options_.maxLength > model_.config().positions)
        throw Error("CLIP chunk length " + std::to_string(options_.maxLength) + " exceeds the model's " +
                    std::to_string(model_.config().positions) + " positions");
}

TextEncoder TextEncoder::fromCheckpoint(const TensorFile& file, std::shared_ptr<const ClipTokenizer> tokenizer,
                                        int headsOverride) {
    const bool sd1 = file.contains(kSd1TokenEmbedding);
    const bool sd2 = file.contains(kSd2TokenEmbedding);
    if (!sd1 && !sd2)
        throw Error("'" + file.path() + "' contains no SD1 or SD2 text encoder (expected '" + kSd1Prefix + "*' or '" +
                    kSd2Prefix + "*' tensors)");
    const auto naming = sd1 ? ClipTextConfig::HuggingFace : ClipTextConfig::OpenClip;
    Weights w = Weights::fromFile(file, sd1 ? kSd1Prefix : kSd2Prefix);
    ClipTextConfig config = ClipTextConfig::infer(w, naming, headsOverride);
    return TextEncoder(ClipTextModel(config, std::move(w)), std::move(tokenizer), sd1 ? sd1Options() : sd2Options());
}

void TextEncoder::setLastLayer(int layer) {
    checkLayer(layer);
    lastLayer_ = layer;
}

std::vector<PromptChunk> TextEncoder::tokenize(const std::string& prompt, const EmbeddingProvider* embeddings) const {
    ChunkingOptions o;
    o.maxLength = options_.maxLength;
    o.startToken = options_.startToken;
    o.endToken = options_.endToken;
    o.padToken = options_.padToken;
    o.embeddings = embeddings;
    o.embeddingWidth = model_.config().width;
    o.embeddingKey = options_.embeddingKey;
    return tokenizeWithWeights(prompt, *tokenizer_, o);
}

at::Tensor TextEncoder::encodeChunks(const std::vector<PromptChunk>& chunks, int layer) const {
    if (chunks.empty()) throw Error("nothing to encode: no token chunks");
    checkLayer(layer);
    const int64_t L = options_.maxLength;
    bool weighted = false;
    std::vector<int64_t> ids;
    std::vector<float> weights;
    std::vector<EmbeddingOverride> overrides;
    for (size_t c = 0; c < chunks.size(); ++c) {
        if (static_cast<int64_t>(chunks[c].size()) != L)
            throw Error("a CLIP token chunk has " + std::to_string(chunks[c].size()) + " tokens, expected " + std::to_string(L));
        for (size_t p = 0; p < chunks[c].size(); ++p) {
            const PromptToken& t = chunks[c][p];
            if (t.id < 0) {
                // The slot's token id is irrelevant: its embedding is replaced.
                overrides.push_back({static_cast<int64_t>(c), static_cast<int64_t>(p), t.embedding});
                ids.push_back(options_.padToken);
            } else {
                ids.push_back(t.id);
            }
            weights.push_back(static_cast<float>(t.weight));
            weighted = weighted || t.weight != 1.0;
        }
    }
    const auto k = static_cast<int64_t>(chunks.size());
    if (weighted) {
        // The empty prompt rides along in the same batch, as in ComfyUI.
        ids.push_back(options_.startToken);
        ids.push_back(options_.endToken);
        ids.insert(ids.end(), static_cast<size_t>(L - 2), options_.padToken);
    }
    const int64_t rows = weighted ? k + 1 : k;
    at::Tensor tokens = at::from_blob(ids.data(), {rows, L}, at::kLong).clone();
    at::Tensor z = model_.forward(tokens, layer, overrides);
    if (weighted) {
        const at::Tensor zEmpty = z.slice(0, k, k + 1);
        z = z.slice(0, 0, k);
        const at::Tensor w = at::from_blob(weights.data(), {k, L, 1}, at::kFloat).clone().to(z.device());
        z = at::where(w != 1.0, (z - zEmpty) * w + zEmpty, z);
    }
    return z.reshape({1, k * L, z.size(-1)});
}

at::Tensor TextEncoder::encode(const std::string& prompt, int clipSkipLayer, const EmbeddingProvider* embeddings) const {
    return encodeChunks(tokenize(prompt, embeddings), clipSkipLayer == 0 ? lastLayer_ : clipSkipLayer);
}

}  // namespace tessera::engine
