#pragma once
// Textual-inversion embeddings referenced in prompts as `embedding:NAME`.
//   EmbeddingFolders folders({modelsDir + "/embeddings"});
//   std::optional<at::Tensor> v = folders.find("myStyle", 768, "clip_l");   // [n, 768]
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

class EmbeddingProvider {
public:
    virtual ~EmbeddingProvider() = default;
    // The vectors of embedding `name` as float [n, width]; nullopt when no such embedding
    // exists. Throws tessera::Error when it exists but cannot be used (refused pickle, wrong
    // width, no recognisable tensor). `key` names the preferred tensor in multi-encoder files
    // ("clip_l" for SD1/SD2, "clip_g").
    virtual std::optional<at::Tensor> find(const std::string& name, int64_t width, const std::string& key) const = 0;
    // Where embeddings are looked for, for error messages.
    virtual std::string describeLocations() const = 0;
};

// Embeddings stored as .safetensors, .pt or .bin (pickles read without running code) in folders
// (and their sub-folders). NAME may omit the extension. Tensors are read from "emb_params",
// "string_to_param.*" (A1111's .pt), the preferred key, or the file's only tensor.
class EmbeddingFolders : public EmbeddingProvider {
public:
    explicit EmbeddingFolders(std::vector<std::string> folders);
    std::optional<at::Tensor> find(const std::string& name, int64_t width, const std::string& key) const override;
    std::string describeLocations() const override;

private:
    std::optional<std::string> locate(const std::string& name) const;
    at::Tensor load(const std::string& name, const std::string& path, int64_t width, const std::string& key) const;

    std::vector<std::string> folders_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, at::Tensor> cache_;  // "path|key" -> tensor as stored in the file
};

}  // namespace tessera::engine
