#pragma once
// The pooled text embedding ComfyUI's encode_from_tokens(return_pooled="unprojected") gives: the
// final-layer-normed hidden state of the last layer at the first end token of the first 77-token
// chunk, without a text projection, whatever the clip skip. GLIGEN reads phrases this way.
#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::engine {

class EmbeddingProvider;
class TextEncoder;

// [width] float32. Prompt weights do not change it (as in ComfyUI).
at::Tensor pooledTextEmbedding(const TextEncoder& encoder, const std::string& prompt,
                               const EmbeddingProvider* embeddings = nullptr);

}  // namespace tessera::engine
