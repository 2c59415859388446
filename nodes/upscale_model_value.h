#pragma once
// ComfyUI's UPSCALE_MODEL: a loaded super-resolution network, shared by pointer.
#include "core/graph/value.h"

#include <memory>

namespace tessera::engine {
class UpscaleModel;
}  // namespace tessera::engine

namespace tessera::nodes {

struct UpscaleModelValue : Object {
    std::shared_ptr<const engine::UpscaleModel> model;
    explicit UpscaleModelValue(std::shared_ptr<const engine::UpscaleModel> m) : model(std::move(m)) {}
    std::string typeName() const override { return "UPSCALE_MODEL"; }
    size_t byteSize() const override;
};

}  // namespace tessera::nodes
