#pragma once
// What a running node sees: its inputs (from links or widgets), services to report progress
// and previews, the cancellation flag, and the environment (folders). Errors thrown with
// fail() or as tessera::Error are attributed to this node by the executor.
#include "core/common/cancel.h"
#include "core/exec/environment.h"
#include "core/graph/graph.h"
#include "core/graph/node_decl.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera {

// 8-bit RGB picture for previews: no torch, no Qt GUI, so every front end can show it.
struct PreviewImage {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;  // width*height*3
};

class NodeContext {
public:
    struct Hooks {
        std::function<void(int step, int total)> progress;
        std::function<void(std::shared_ptr<const PreviewImage>)> preview;
        std::function<void(const std::string& path)> outputFile;  // an image written by this node
        std::function<void(const std::string& text)> note;
    };

    NodeContext(const Node& node, const NodeDecl& decl, std::map<std::string, Value> inputs, const Environment& env,
                CancelToken cancel, Hooks hooks);

    const Node& node() const { return node_; }
    const NodeDecl& decl() const { return decl_; }
    const Environment& env() const { return env_; }
    const CancelToken& cancel() const { return cancel_; }

    bool has(const std::string& input) const;
    // Throw tessera::Error naming the node and input when missing or of the wrong kind.
    const Value& input(const std::string& name) const;
    int64_t getInt(const std::string& name) const;
    double getFloat(const std::string& name) const;
    bool getBool(const std::string& name) const;
    const std::string& getString(const std::string& name) const;
    template <class T>
    std::shared_ptr<const T> get(const std::string& name) const {
        auto p = input(name).as<T>();
        if (!p) wrongType(name);
        return p;
    }

    void progress(int step, int total) const;
    void preview(std::shared_ptr<const PreviewImage> image) const;
    void outputFile(const std::string& path) const;
    // Tells the user something about this run that is not an error: a choice made for them (the VAE
    // ran in tiles, the image was cropped) or input that was skipped. One sentence, without the
    // node's name (every front end shows it beside the node).
    void note(const std::string& text) const;

    // Throws tessera::Error("<node>: <message>").
    [[noreturn]] void fail(const std::string& message) const;

private:
    [[noreturn]] void wrongType(const std::string& name) const;

    const Node& node_;
    const NodeDecl& decl_;
    std::map<std::string, Value> inputs_;
    const Environment& env_;
    CancelToken cancel_;
    Hooks hooks_;
};

}  // namespace tessera
