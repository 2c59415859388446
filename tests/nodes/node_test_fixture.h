#pragma once
// Runs built-in nodes through the real Executor on small graphs. Tensors enter a graph through
// test-only source nodes ("TestImage", "TestMask"); every test gets fresh input/output/temp/models
// folders.
#include "core/exec/executor.h"
#include "core/graph/registry.h"
#include "nodes/builtin_nodes.h"
#include "nodes/values.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tessera::test {

class NodeGraphTest : public ::testing::Test {
protected:
    NodeGraphTest() {
        nodes::registerImageNodes(registry);
        nodes::registerImageBatchNodes(registry);
        nodes::registerMaskNodes(registry);
        nodes::registerPreprocessorNodes(registry);
        addSource("TestImage", "IMAGE");
        addSource("TestMask", "MASK");
        root = makeTempDir("nodes");
        for (const char* sub : {"input", "output", "temp", "models/depth"})
            std::filesystem::create_directories(std::filesystem::path(root) / sub);
        env.inputDir = root + "/input";
        env.outputDir = root + "/output";
        env.tempDir = root + "/temp";
        env.modelDirs = {root + "/models"};
        env.device = "cpu";
        env.precision = "fp32";  // pinned: "auto" depends on the CPU
    }
    ~NodeGraphTest() override {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }

    NodeId image(at::Tensor pixels) { return source("TestImage", std::move(pixels)); }
    NodeId mask(at::Tensor m) { return source("TestMask", std::move(m)); }
    NodeId add(const std::string& type, std::map<std::string, Value> widgets = {}) {
        Node& n = graph.addNode(type);
        n.widgets = std::move(widgets);
        return n.id;
    }
    void link(NodeId from, int slot, NodeId to, const std::string& input) { graph.connect(from, slot, to, input); }

    RunResult run(std::vector<NodeId> targets = {}) {
        events.clear();
        return executor.run(graph, env, [this](const ExecEvent& e) { events.push_back(e); }, targets);
    }
    // Runs `node` alone (with what it needs) and returns its output `slot`, failing the test if the run fails.
    at::Tensor imageOf(NodeId node, int slot = 0) { return output(node, slot).as<nodes::ImageValue>()->pixels; }
    at::Tensor maskOf(NodeId node, int slot = 0) { return output(node, slot).as<nodes::MaskValue>()->mask; }
    // The message of a run of `node` that is expected to fail.
    std::string failureOf(NodeId node) {
        const RunResult r = run({node});
        EXPECT_TRUE(r.failed()) << "the run succeeded";
        std::string text = r.message;
        for (const auto& issue : r.issues) text += " | " + issue.message;
        return text;
    }
    std::vector<std::string> eventMessages(ExecEvent::Kind kind) const {
        std::vector<std::string> out;
        for (const auto& e : events)
            if (e.kind == kind) out.push_back(e.message);
        return out;
    }

    Registry registry;
    Executor executor{registry};
    Graph graph;
    Environment env;
    std::string root;
    std::vector<ExecEvent> events;

private:
    Value output(NodeId node, int slot) {
        const RunResult r = run({node});
        if (!r.succeeded()) {
            std::string text = r.message;
            for (const auto& issue : r.issues) text += " | " + issue.message;
            ADD_FAILURE() << "run failed: " << text;
            throw std::runtime_error("run failed: " + text);
        }
        return r.outputs.at(node).at(size_t(slot));
    }
    void addSource(const std::string& type, const std::string& outType) {
        NodeDecl d;
        d.type = type;
        d.displayName = type;
        d.category = "test";
        InputDecl key;
        key.name = "key";
        key.type = "INT";
        key.defaultValue = Value(int64_t(0));
        d.inputs = {key};
        d.outputs = {{outType, outType}};
        d.run = [this, outType](NodeContext& ctx) {
            const at::Tensor& t = tensors_.at(size_t(ctx.getInt("key")));
            if (outType == "IMAGE") return std::vector<Value>{Value(std::make_shared<const nodes::ImageValue>(t))};
            return std::vector<Value>{Value(std::make_shared<const nodes::MaskValue>(t))};
        };
        registry.add(std::move(d));
    }
    NodeId source(const std::string& type, at::Tensor t) {
        tensors_.push_back(std::move(t));
        return add(type, {{"key", Value(int64_t(tensors_.size() - 1))}});
    }
    std::vector<at::Tensor> tensors_;
};

// Exact equality with a readable failure.
inline ::testing::AssertionResult sameTensor(const at::Tensor& got, const at::Tensor& want) {
    if (got.sizes() != want.sizes()) {
        std::ostringstream s;
        s << "shape " << got.sizes() << " vs " << want.sizes();
        return ::testing::AssertionFailure() << s.str();
    }
    const double diff = (got.to(at::kDouble) - want.to(at::kDouble)).abs().max().item<double>();
    if (diff != 0) return ::testing::AssertionFailure() << "max |got - want| = " << diff;
    return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult nearTensor(const at::Tensor& got, const at::Tensor& want, double tol) {
    if (got.sizes() != want.sizes()) {
        std::ostringstream s;
        s << "shape " << got.sizes() << " vs " << want.sizes();
        return ::testing::AssertionFailure() << s.str();
    }
    const double diff = (got.to(at::kDouble) - want.to(at::kDouble)).abs().max().item<double>();
    if (diff > tol) return ::testing::AssertionFailure() << "max |got - want| = " << diff << " > " << tol;
    return ::testing::AssertionSuccess();
}

}  // namespace tessera::test
