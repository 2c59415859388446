#pragma once
// Prompt -> conditioning context, with ComfyUI's semantics (CLIPTextEncode + CLIPSetLastLayer):
// weighted tokens in 77-token chunks, each encoded separately, weights applied as
//   z = (z - z_empty) * w + z_empty   (z_empty = encoding of the empty prompt, only where w != 1)
// and the chunks concatenated along the sequence axis: [1, 77*k, width].
//   TextEncoder sd1(ClipTextModel(cfg, w), tokenizer, TextEncoder::sd1Options());
//   at::Tensor context = sd1.encode("a (watercolor:1.2) cat");
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "core/engine/text/clip_text_model.h"
#include "core/engine/text/prompt_weighting.h"

namespace tessera::engine {

class ClipTokenizer;
class EmbeddingProvider;
class TensorFile;

struct TextEncoderOptions {
    int startToken = 49406;
    int endToken = 49407;
    int padToken = 49407;   // SD1 pads with EOS; SD2 (OpenCLIP) with 0
    int defaultLayer = -1;  // SD1: last layer; SD2: penultimate (-2)
    int maxLength = 77;
    std::string embeddingKey = "clip_l";
};

class TextEncoder {
public:
    static TextEncoderOptions sd1Options();
    static TextEncoderOptions sd2Options();

    TextEncoder(ClipTextModel model, std::shared_ptr<const ClipTokenizer> tokenizer, TextEncoderOptions options);

    // The text encoder inside a full SD1 ("cond_stage_model.transformer.text_model.*") or SD2
    // ("cond_stage_model.model.*") checkpoint, with that family's options. Throws
    // tessera::Error when the file holds neither.
    static TextEncoder fromCheckpoint(const TensorFile& file, std::shared_ptr<const ClipTokenizer> tokenizer,
                                      int headsOverride = 0);

    // clipSkipLayer: 0 = the current last layer (setLastLayer / family default), else -1, -2, ...
    // `embeddings` resolves `embedding:NAME` words; without it such words are an error.
    at::Tensor encode(const std::string& prompt, int clipSkipLayer = 0, const EmbeddingProvider* embeddings = nullptr) const;

    // CLIPSetLastLayer: -1 = last layer, -2 = penultimate, ...
    void setLastLayer(int layer);
    int lastLayer() const { return lastLayer_; }

    std::vector<PromptChunk> tokenize(const std::string& prompt, const EmbeddingProvider* embeddings = nullptr) const;
    // Encodes ready-made chunks (each options().maxLength tokens) and applies their weights.
    at::Tensor encodeChunks(const std::vector<PromptChunk>& chunks, int layer) const;

    const ClipTextModel& model() const { return model_; }
    const ClipTokenizer& tokenizer() const { return *tokenizer_; }
    const std::shared_ptr<const ClipTokenizer>& tokenizerPtr() const { return tokenizer_; }
    const TextEncoderOptions& options() const { return options_; }

private:
    ClipTextModel model_;
    std::shared_ptr<const ClipTokenizer> tokenizer_;
    TextEncoderOptions options_;
    int lastLayer_;
};

}  // namespace tessera::engine
