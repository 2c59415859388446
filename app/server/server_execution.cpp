// Running queued prompts and turning executor events into ComfyUI's websocket messages and history.
#include "app/server/comfy_server.h"

#include "app/server/event_batch.h"
#include "app/server/preview_frame.h"
#include "app/server/run_state.h"
#include "core/io/graph_json.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <cstdio>

namespace tessera::server {
namespace {

Json message(const char* type, Json data) {
    Json m;
    m.set("type", type);
    m.set("data", std::move(data));
    return m;
}

int64_t nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

}  // namespace

Json ComfyServer::imageRef(const std::string& path) const {
    const QString file = QFileInfo(QString::fromStdString(path)).absoluteFilePath();
    Json ref;
    for (const auto& [type, dir] : {std::pair{"output", env_.outputDir}, std::pair{"temp", env_.tempDir}}) {
        const QString root = QDir(QString::fromStdString(dir)).absolutePath();
        if (!file.startsWith(root + '/')) continue;
        const QString relative = QDir(root).relativeFilePath(file);
        ref.set("filename", QFileInfo(relative).fileName().toStdString());
        const QString sub = QFileInfo(relative).path();
        ref.set("subfolder", sub == "." ? std::string() : sub.toStdString());
        ref.set("type", type);
        return ref;
    }
    ref.set("filename", QFileInfo(file).fileName().toStdString());
    ref.set("subfolder", "");
    ref.set("type", "output");
    return ref;
}

void ComfyServer::startNextPrompt() {
    if (run_) return;
    std::shared_ptr<QueuedPrompt> next = queue_.startNext();
    if (!next) return;
    run_ = std::make_unique<ActiveRun>();
    run_->prompt = next;
    Environment env = env_;
    env.promptJson = writeJson(next->prompt);
    env.workflowJson = graphToJson(next->checked.graph).toStdString();
    const std::string promptId = next->id;
    // Runs on the executor's worker: previews are encoded there, everything else is relayed here.
    auto observer = [this, batch = events_, promptId](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::NodeQueued) return;
        RelayedEvent relayed{promptId, e, {}};
        if (e.kind == ExecEvent::Kind::Preview && e.preview) relayed.frame = previewFrame(*e.preview);
        relayed.event.preview.reset();
        if (batch->add(std::move(relayed)))
            QMetaObject::invokeMethod(this, [this] { takeExecEvents(); }, Qt::QueuedConnection);
    };
    run_->handle = executor_.start(next->checked.graph, std::move(env), observer, next->checked.targets);
}

void ComfyServer::takeExecEvents() {
    for (const RelayedEvent& e : events_->take()) {
        if (!run_ || run_->prompt->id != e.promptId) continue;
        if (!e.frame.isEmpty()) sendBinaryTo(run_->prompt->clientId, e.frame);
        else onExecEvent(e.event);
    }
}

void ComfyServer::onExecEvent(const ExecEvent& e) {
    using K = ExecEvent::Kind;
    ActiveRun& run = *run_;
    const std::string& client = run.prompt->clientId;
    const std::string& id = run.prompt->id;
    auto withPrompt = [&](Json data, bool timestamp) {
        data.set("prompt_id", id);
        if (timestamp) data.set("timestamp", nowMs());
        return data;
    };
    auto flushCached = [&] {
        if (run.cachedSent) return;
        run.cachedSent = true;
        Json data;
        data.set("nodes", run.cachedPending);
        data = withPrompt(std::move(data), true);
        run.messages.push(Json(Json::Array{Json("execution_cached"), data}));
        sendTo(client, message("execution_cached", std::move(data)));
    };
    switch (e.kind) {
        case K::RunStarted: {
            Json data = withPrompt(Json(Json::Object{}), true);
            run.messages.push(Json(Json::Array{Json("execution_start"), data}));
            sendTo(client, message("execution_start", std::move(data)));
            break;
        }
        case K::NodeCached:
            if (!run.cachedSent) run.cachedPending.push(run.key(e.node));
            run.executed.push(run.key(e.node));
            break;
        case K::NodeStarted: {
            flushCached();
            run.currentNode = run.key(e.node);
            Json data;
            data.set("node", run.currentNode);
            data.set("display_node", run.currentNode);
            sendTo(client, message("executing", withPrompt(std::move(data), false)));
            break;
        }
        case K::Progress: {
            Json data;
            data.set("value", e.step);
            data.set("max", e.total);
            data = withPrompt(std::move(data), false);
            data.set("node", run.currentNode.empty() ? run.key(e.node) : run.currentNode);
            sendTo(client, message("progress", std::move(data)));
            break;
        }
        case K::OutputFile: run.images[e.node].push(imageRef(e.message)); break;
        case K::NodeNote: {
            // ComfyUI has no frame for this: the server's log and the history entry's messages carry it.
            std::fprintf(stderr, "note: prompt %s, node %s: %s\n", id.c_str(), run.key(e.node).c_str(), e.message.c_str());
            Json data;
            data.set("node", run.key(e.node));
            data.set("text", e.message);
            run.messages.push(Json(Json::Array{Json("tessera_note"), withPrompt(std::move(data), true)}));
            break;
        }
        case K::NodeDone: {
            run.executed.push(run.key(e.node));
            auto it = run.images.find(e.node);
            if (it == run.images.end()) break;
            Json output;
            output.set("images", it->second);
            run.outputs.set(run.key(e.node), output);
            Json data;
            data.set("node", run.key(e.node));
            data.set("display_node", run.key(e.node));
            data.set("output", std::move(output));
            sendTo(client, message("executed", withPrompt(std::move(data), false)));
            break;
        }
        case K::RunFinished:
        case K::RunFailed:
        case K::RunCancelled:
            flushCached();
            finishRun(e);
            break;
        default: break;
    }
}

void ComfyServer::finishRun(const ExecEvent& e) {
    using K = ExecEvent::Kind;
    ActiveRun& run = *run_;
    const std::string client = run.prompt->clientId, id = run.prompt->id;
    const std::string failedKey = e.node ? run.key(e.node) : std::string();
    const Node* failedNode = e.node ? run.prompt->checked.graph.node(e.node) : nullptr;
    Json data;
    data.set("prompt_id", id);
    const char* event = "execution_success";
    if (e.kind == K::RunFailed) {
        event = "execution_error";
        data.set("node_id", failedKey.empty() ? Json() : Json(failedKey));
        data.set("node_type", failedNode ? Json(failedNode->type) : Json());
        data.set("executed", run.executed);
        data.set("exception_message", e.message);
        data.set("exception_type", "tessera.Error");
        data.set("traceback", Json(Json::Array{}));
        data.set("current_inputs", Json(Json::Object{}));
        data.set("current_outputs", Json(Json::Array{}));
    } else if (e.kind == K::RunCancelled) {
        event = "execution_interrupted";
        data.set("node_id", run.currentNode.empty() ? Json() : Json(run.currentNode));
        const NodeId current = [&] {
            for (const auto& [nid, key] : run.prompt->checked.keys)
                if (key == run.currentNode) return nid;
            return NodeId(0);
        }();
        const Node* n = run.prompt->checked.graph.node(current);
        data.set("node_type", n ? Json(n->type) : Json());
        data.set("executed", run.executed);
    }
    data.set("timestamp", nowMs());
    run.messages.push(Json(Json::Array{Json(event), data}));
    if (e.kind == K::RunCancelled) broadcast(message(event, data));
    else sendTo(client, message(event, data));

    HistoryEntry entry;
    entry.item = PromptQueue::itemJson(*run.prompt);
    entry.outputs = run.outputs;
    Json status;
    status.set("status_str", e.kind == K::RunFinished ? "success" : "error");
    status.set("completed", e.kind == K::RunFinished);
    status.set("messages", run.messages);
    entry.status = std::move(status);
    for (const auto& [nid, key] : run.prompt->checked.keys) {
        if (!run.outputs.find(key)) continue;
        Json meta;
        meta.set("node_id", key);
        meta.set("display_node", key);
        meta.set("parent_node", Json());
        meta.set("real_node_id", key);
        entry.meta.set(key, std::move(meta));
    }
    queue_.finishRunning(std::move(entry));
    run_.reset();

    Json done;
    done.set("node", Json());
    done.set("prompt_id", id);
    sendTo(client, message("executing", std::move(done)));
    broadcast(statusMessage());
    startNextPrompt();
}

}  // namespace tessera::server
