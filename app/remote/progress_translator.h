#pragma once
// ComfyUI's websocket messages for one prompt, turned into the executor's ExecEvents on the
// graph's own node ids (the prompt's keys are those ids), so a remote run drives the same
// progress bar, node states and previews as a local one.
#include "core/exec/exec_event.h"
#include "core/graph/graph.h"
#include "core/io/json.h"

#include <QByteArray>

#include <chrono>
#include <string>
#include <vector>

namespace tessera::remote {

class ProgressTranslator {
public:
    enum class End { Running, Succeeded, Failed, Interrupted };

    ProgressTranslator(const Graph& graph, std::string promptId);

    // A text message; messages about other prompts (and status broadcasts) add nothing.
    void text(const Json& message, std::vector<ExecEvent>& out);
    // A binary frame: PREVIEW_IMAGE (1) or PREVIEW_IMAGE_WITH_METADATA (4), JPEG or PNG.
    void binary(const QByteArray& frame, std::vector<ExecEvent>& out);

    // What the nodes told the user, from the prompt's history entry: a Tessera backend keeps each note as a
    // ["tessera_note", {"node", "text"}] status message (ComfyUI has no frame for them). Others have none.
    void historyNotes(const Json& entry, std::vector<ExecEvent>& out) const;

    // The id the backend gave the prompt, when it ignored ours (ComfyUI before prompt_id in POST /prompt).
    void setPromptId(std::string id) { promptId_ = std::move(id); }
    End end() const { return end_; }
    bool started() const { return started_; }
    NodeId currentNode() const { return current_; }
    NodeId failedNode() const { return failedNode_; }
    const std::string& error() const { return error_; }  // "KSampler #3: what went wrong"

private:
    NodeId nodeOf(const Json* key) const;  // 0 for keys that are not this graph's nodes
    void finishCurrent(std::vector<ExecEvent>& out);

    const Graph& graph_;
    std::string promptId_;
    NodeId current_ = 0;
    std::chrono::steady_clock::time_point currentStart_;
    bool started_ = false;
    End end_ = End::Running;
    NodeId failedNode_ = 0;
    std::string error_;
};

// The preview picture of a binary frame, or null for other frames and undecodable images.
std::shared_ptr<const PreviewImage> decodePreviewFrame(const QByteArray& frame);

}  // namespace tessera::remote
