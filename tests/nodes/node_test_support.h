#pragma once
// What the node tests share: a registry with the engine node families plus test-only tensor
// sources (LoadImage belongs to another family), a models folder of symlinks to the refdata
// models, and a small graph builder.
#include "core/exec/executor.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

namespace tessera::test {

// Tensors the test source nodes hand out, by name: TestImage (IMAGE) and TestMask (MASK) with
// a "name" widget.
std::map<std::string, at::Tensor>& testTensors();

// Loader, conditioning, latent, sampling and ControlNet nodes, plus TestImage and TestMask.
const Registry& engineNodeRegistry();

// A temporary models folder: checkpoints/ (tiny-sd15, tiny-sd15-inpainting, tiny-sd2-v),
// vae/ (tiny-vae), controlnet/ (tiny-controlnet-sd15), loras/ (empty; tests write theirs).
// Sets TESSERA_CLIP_VOCAB to the refdata vocabulary.
class ModelsFolder {
public:
    ModelsFolder();
    ~ModelsFolder();
    ModelsFolder(const ModelsFolder&) = delete;
    ModelsFolder& operator=(const ModelsFolder&) = delete;
    const std::string& root() const { return root_; }
    std::string path(const std::string& kind, const std::string& name) const { return root_ + "/" + kind + "/" + name; }
    Environment env() const;

private:
    std::string root_;
};

// Adds nodes with widget values and links them: b.add("KSampler", {{"seed", 3}}), b.link(a, 0, k, "model").
class GraphBuilder {
public:
    NodeId add(const std::string& type, const std::map<std::string, Value>& widgets = {});
    void link(NodeId from, int slot, NodeId to, const std::string& input);
    void set(NodeId node, const std::string& widget, Value value);
    Graph graph;
};

// Value of output `slot` of `node` in a finished run, as a tensor of the node's value type
// (IMAGE pixels, LATENT samples, SIGMAS); fails the test when absent.
at::Tensor outputTensor(const RunResult& result, NodeId node, int slot = 0);

// The message of the exception `f` throws ("" when none).
template <class F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

}  // namespace tessera::test
