#pragma once
// Small node types for the executor and validation tests. Each counts its executions by node id
// and the output nodes record what reached them, so tests can see exactly what ran.
#include "core/common/error.h"
#include "core/exec/node_context.h"
#include "core/graph/registry.h"

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tessera::test {

// An object of a chosen size, for the cache budget.
struct Blob : Object {
    int64_t value = 0;
    size_t bytes = 0;
    std::string typeName() const override { return "BLOB"; }
    size_t byteSize() const override { return bytes; }
};

class TestNodes {
public:
    Registry registry;

    TestNodes() {
        add(decl("Constant", {widget("value", "INT", 0, -1000, 1000)}, {{"INT", "INT"}}),
            [](NodeContext& c) { return std::vector<Value>{c.getInt("value")}; });
        add(decl("Add", {port("a", "INT"), port("b", "INT")}, {{"INT", "INT"}}),
            [](NodeContext& c) { return std::vector<Value>{c.getInt("a") + c.getInt("b")}; });
        add(decl("Offset", {port("x", "INT"), widget("amount", "INT", 1, -100, 100)}, {{"INT", "INT"}}),
            [](NodeContext& c) { return std::vector<Value>{c.getInt("x") + c.getInt("amount")}; });
        InputDecl seed = widget("seed", "INT", 0, 0, 1e15);
        seed.controlAfterGenerate = true;
        add(decl("Sampler", {port("x", "INT"), seed, widget("steps", "INT", 20, 1, 100)}, {{"INT", "INT"}}),
            [](NodeContext& c) { return std::vector<Value>{c.getInt("x") * 1000 + c.getInt("seed")}; });
        // Allocates, touches and frees a block, as a sampling step's tensors come and go.
        add(decl("Scratch", {port("x", "INT"), widget("mebibytes", "INT", 64, 1, 1024)}, {{"INT", "INT"}}),
            [](NodeContext& c) {
                const size_t bytes = size_t(c.getInt("mebibytes")) << 20;
                std::unique_ptr<char[]> block(new char[bytes]);
                for (size_t i = 0; i < bytes; i += 4096) static_cast<volatile char*>(block.get())[i] = 1;
                return std::vector<Value>{c.getInt("x")};
            });
        add(decl("Double", {port("x", "INT")}, {{"INT", "INT"}}),
            [](NodeContext& c) { return std::vector<Value>{c.getInt("x") * 2}; });
        add(decl("ToText", {port("x", "INT")}, {{"STRING", "STRING"}}),
            [](NodeContext& c) { return std::vector<Value>{std::to_string(c.getInt("x"))}; });
        add(decl("Slow", {port("x", "INT")}, {{"INT", "INT"}}), [](NodeContext& c) {
            for (int i = 0; i < 1000; ++i) {
                c.cancel().throwIfCancelled();
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                if (i % 100 == 99) c.progress(i + 1, 1000);
            }
            return std::vector<Value>{c.getInt("x")};
        });
        InputDecl mode = widget("mode", "COMBO", "error");
        mode.choices = {"error", "std", "unknown", "ok"};
        add(decl("Fail", {port("x", "INT"), mode}, {{"INT", "INT"}}), [](NodeContext& c) {
            const std::string m = c.getString("mode");
            if (m == "error") c.fail("boom");
            if (m == "std") throw std::runtime_error("std failure");
            if (m == "unknown") throw 42;
            return std::vector<Value>{c.getInt("x")};
        });
        // Allocation failures as the allocators throw them.
        InputDecl allocation = widget("mode", "COMBO", "bad_alloc");
        allocation.choices = {"bad_alloc", "torch_oom", "ok"};
        add(decl("OutOfMemory", {port("x", "INT"), allocation}, {{"INT", "INT"}}), [](NodeContext& c) {
            const std::string m = c.getString("mode");
            if (m == "bad_alloc") throw std::bad_alloc();
            // libtorch's CPU allocator's c10::Error: the first line, then a backtrace.
            if (m == "torch_oom")
                throw std::runtime_error("[enforce fail at alloc_cpu.cpp:73] . DefaultCPUAllocator: can't allocate memory: "
                                         "you tried to allocate 68719476736 bytes. Error code 12 (Cannot allocate memory)\n"
                                         "frame #0: c10::ThrowEnforceNotMet(...)");
            return std::vector<Value>{c.getInt("x")};
        });
        add(decl("BlobMaker", {widget("value", "INT", 0, -1000, 1000), widget("bytes", "INT", 100, 0, 1e9)}, {{"BLOB", "BLOB"}}),
            [](NodeContext& c) {
                auto b = std::make_shared<Blob>();
                b->value = c.getInt("value");
                b->bytes = size_t(c.getInt("bytes"));
                return std::vector<Value>{ObjectPtr(b)};
            });
        InputDecl file = widget("file", "COMBO", "");
        file.choicesFrom = "checkpoints";
        file.isFile = true;
        add(decl("FileSize", {file}, {{"INT", "INT"}}), [](NodeContext& c) {
            const std::string path = c.env().findModel("checkpoints", c.getString("file"));
            std::ifstream in(path, std::ios::binary);
            if (!in) c.fail("cannot open '" + path + "'");
            std::stringstream s;
            s << in.rdbuf();
            return std::vector<Value>{int64_t(s.str().size())};
        });
        add(decl("Record", {port("value", "*")}, {}, true), [this](NodeContext& c) {
            std::lock_guard lock(mutex_);
            recorded_[c.node().id] = c.input("value");
            return std::vector<Value>{};
        });
        add(decl("Note", {port("x", "INT")}, {{"INT", "INT"}}), [](NodeContext& c) {
            c.note("saw " + std::to_string(c.getInt("x")));
            return std::vector<Value>{c.getInt("x")};
        });
        add(decl("Preview", {port("x", "INT")}, {}, true), [](NodeContext& c) {
            auto img = std::make_shared<PreviewImage>();
            img->width = 1;
            img->height = 1;
            img->rgb = {uint8_t(c.getInt("x")), 0, 0};
            c.preview(img);
            c.outputFile("/tmp/out-" + std::to_string(c.getInt("x")) + ".png");
            return std::vector<Value>{};
        });
    }

    int runs(NodeId id) const {
        std::lock_guard lock(mutex_);
        auto it = runs_.find(id);
        return it == runs_.end() ? 0 : it->second;
    }
    Value recorded(NodeId id) const {
        std::lock_guard lock(mutex_);
        auto it = recorded_.find(id);
        return it == recorded_.end() ? Value() : it->second;
    }
    void clearCounts() {
        std::lock_guard lock(mutex_);
        runs_.clear();
        recorded_.clear();
    }

    static InputDecl port(const std::string& name, const std::string& type) {
        InputDecl in;
        in.name = name;
        in.type = type;
        in.forceInput = true;
        return in;
    }
    static InputDecl widget(const std::string& name, const std::string& type, Value def,
                            std::optional<double> min = {}, std::optional<double> max = {}) {
        InputDecl in;
        in.name = name;
        in.type = type;
        in.defaultValue = std::move(def);
        in.min = min;
        in.max = max;
        return in;
    }

private:
    static NodeDecl decl(const std::string& type, std::vector<InputDecl> inputs, std::vector<OutputDecl> outputs,
                         bool isOutput = false) {
        NodeDecl d;
        d.type = type;
        d.displayName = type;
        d.inputs = std::move(inputs);
        d.outputs = std::move(outputs);
        d.isOutput = isOutput;
        return d;
    }
    void add(NodeDecl d, RunFunction fn) {
        d.run = [this, fn = std::move(fn)](NodeContext& c) {
            {
                std::lock_guard lock(mutex_);
                ++runs_[c.node().id];
            }
            return fn(c);
        };
        registry.add(std::move(d));
    }

    mutable std::mutex mutex_;
    std::map<NodeId, int> runs_;
    std::map<NodeId, Value> recorded_;
};

}  // namespace tessera::test

// Asserts that `text` contains `part`, printing both when it does not.
#define EXPECT_CONTAINS(text, part)                                                    \
    do {                                                                               \
        const std::string tessera_text_ = (text);                                      \
        EXPECT_NE(tessera_text_.find(part), std::string::npos)                         \
            << "expected to find: " << (part) << "\n                in: " << tessera_text_; \
    } while (0)
