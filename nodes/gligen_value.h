#pragma once
// ComfyUI's GLIGEN: a loaded GLIGEN model, shared by pointer.
#include "core/graph/value.h"

#include <memory>

namespace tessera::engine {
class GligenModel;
}  // namespace tessera::engine

namespace tessera::nodes {

struct GligenValue : Object {
    std::shared_ptr<const engine::GligenModel> model;
    explicit GligenValue(std::shared_ptr<const engine::GligenModel> m) : model(std::move(m)) {}
    std::string typeName() const override { return "GLIGEN"; }
    size_t byteSize() const override;
};

}  // namespace tessera::nodes
