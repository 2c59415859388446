#include "tests/nodes/node_test_support.h"

#include "core/common/error.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/custom_sampling_values.h"
#include "nodes/decl_helpers.h"
#include "nodes/values.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace tessera::test {
namespace fs = std::filesystem;

std::map<std::string, at::Tensor>& testTensors() {
    static std::map<std::string, at::Tensor> tensors;
    return tensors;
}

namespace {

template <class V>
NodeDecl tensorSource(const std::string& type, const std::string& outType) {
    NodeDecl d;
    d.type = type;
    d.displayName = type;
    d.category = "testing";
    d.inputs = {nodes::stringInput("name", "")};
    d.outputs = {nodes::output(outType, outType)};
    d.run = [](NodeContext& ctx) {
        auto it = testTensors().find(ctx.getString("name"));
        if (it == testTensors().end()) ctx.fail("no test tensor '" + ctx.getString("name") + "'");
        return std::vector<Value>{std::make_shared<V>(it->second)};
    };
    return d;
}

}  // namespace

const Registry& engineNodeRegistry() {
    static Registry registry;
    static std::once_flag filled;
    std::call_once(filled, [] {
        nodes::registerLoaderNodes(registry);
        nodes::registerConditioningNodes(registry);
        nodes::registerLatentNodes(registry);
        nodes::registerSamplingNodes(registry);
        nodes::registerCustomSamplingNodes(registry);
        nodes::registerSigmaNodes(registry);
        nodes::registerControlNetNodes(registry);
        nodes::registerModelMergeNodes(registry);
        nodes::registerClipVisionNodes(registry);
        nodes::registerUnclipNodes(registry);
        nodes::registerGligenNodes(registry);
        nodes::registerLatentBatchNodes(registry);
        registry.add(tensorSource<nodes::ImageValue>("TestImage", "IMAGE"));
        registry.add(tensorSource<nodes::MaskValue>("TestMask", "MASK"));
    });
    return registry;
}

ModelsFolder::ModelsFolder() : root_(makeTempDir("nodes-models")) {
    const std::map<std::string, std::vector<std::string>> files = {
        {"checkpoints", {"tiny-sd15.safetensors", "tiny-sd15-inpainting.safetensors", "tiny-sd2-v.safetensors"}},
        {"vae", {"tiny-vae.safetensors"}},
        {"controlnet", {"tiny-controlnet-sd15.safetensors"}},
        {"loras", {}}};
    for (const auto& [kind, names] : files) {
        fs::create_directories(fs::path(root_) / kind);
        for (const auto& name : names) fs::create_symlink(refdataPath("models/" + name), fs::path(root_) / kind / name);
    }
    ::setenv("TESSERA_CLIP_VOCAB", refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
}

ModelsFolder::~ModelsFolder() {
    std::error_code ec;
    fs::remove_all(root_, ec);
}

Environment ModelsFolder::env() const {
    Environment e;
    e.modelDirs = {root_};
    // Golden comparisons check the float32 path: "auto" would be bfloat16 on CPUs with native bf16.
    e.device = "cpu";
    e.precision = "fp32";
    return e;
}

NodeId GraphBuilder::add(const std::string& type, const std::map<std::string, Value>& widgets) {
    Node& n = graph.addNode(type);
    n.widgets = widgets;
    return n.id;
}

void GraphBuilder::link(NodeId from, int slot, NodeId to, const std::string& input) {
    graph.connect(from, slot, to, input);
}

void GraphBuilder::set(NodeId node, const std::string& widget, Value value) {
    graph.node(node)->widgets[widget] = std::move(value);
}

at::Tensor outputTensor(const RunResult& result, NodeId node, int slot) {
    auto it = result.outputs.find(node);
    if (it == result.outputs.end() || int(it->second.size()) <= slot) {
        ADD_FAILURE() << "node #" << node << " produced no output " << slot << " (" << result.message << ")";
        return {};
    }
    const Value& v = it->second[size_t(slot)];
    if (auto image = v.as<nodes::ImageValue>()) return image->pixels;
    if (auto latent = v.as<nodes::LatentValue>()) return latent->samples;
    if (auto mask = v.as<nodes::MaskValue>()) return mask->mask;
    if (auto sigmas = v.as<nodes::SigmasValue>()) return sigmas->sigmas;
    ADD_FAILURE() << "node #" << node << " output " << slot << " is not a tensor value";
    return {};
}

}  // namespace tessera::test
