#pragma once
// ComfyUI's CLIP_VISION (a loaded image tower, shared by pointer) and CLIP_VISION_OUTPUT (what
// CLIPVisionEncode computed: hidden states and the projected image embeds).
#include "core/engine/networks/clip_vision.h"
#include "core/graph/value.h"

#include <memory>

namespace tessera::nodes {

struct ClipVisionValue : Object {
    std::shared_ptr<const engine::ClipVisionModel> model;
    explicit ClipVisionValue(std::shared_ptr<const engine::ClipVisionModel> m) : model(std::move(m)) {}
    std::string typeName() const override { return "CLIP_VISION"; }
    size_t byteSize() const override { return model ? model->byteSize() : 0; }
};

struct ClipVisionOutputValue : Object {
    engine::ClipVisionOutput output;
    explicit ClipVisionOutputValue(engine::ClipVisionOutput o) : output(std::move(o)) {}
    std::string typeName() const override { return "CLIP_VISION_OUTPUT"; }
    size_t byteSize() const override {
        size_t n = 0;
        for (const at::Tensor* t : {&output.lastHidden, &output.penultimateHidden, &output.imageEmbeds})
            if (t->defined()) n += t->nbytes();
        return n;
    }
};

}  // namespace tessera::nodes
