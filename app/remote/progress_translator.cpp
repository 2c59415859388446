#include "app/remote/progress_translator.h"

#include <QtEndian>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace tessera::remote {
namespace {

ExecEvent event(ExecEvent::Kind kind, NodeId node = 0) {
    ExecEvent e;
    e.kind = kind;
    e.node = node;
    return e;
}

}  // namespace

ProgressTranslator::ProgressTranslator(const Graph& graph, std::string promptId)
    : graph_(graph), promptId_(std::move(promptId)) {}

void ProgressTranslator::historyNotes(const Json& entry, std::vector<ExecEvent>& out) const {
    const Json* status = entry.find("status");
    const Json* messages = status ? status->find("messages") : nullptr;
    if (!messages) return;
    for (const Json& m : messages->array()) {
        const Json::Array& pair = m.array();
        if (pair.size() != 2 || !pair[0].isString() || pair[0].toString() != "tessera_note") continue;
        const Json* text = pair[1].find("text");
        if (!text || !text->isString()) continue;
        ExecEvent e;
        e.kind = ExecEvent::Kind::NodeNote;
        e.node = nodeOf(pair[1].find("node"));
        e.message = text->toString();
        out.push_back(std::move(e));
    }
}

NodeId ProgressTranslator::nodeOf(const Json* key) const {
    if (!key) return 0;
    const std::string s = key->isString() ? key->toString() : std::to_string(key->toInt());
    try {
        size_t used = 0;
        const NodeId id = std::stoll(s, &used);
        return used == s.size() && graph_.node(id) ? id : 0;
    } catch (...) {
        return 0;
    }
}

void ProgressTranslator::finishCurrent(std::vector<ExecEvent>& out) {
    if (!current_) return;
    ExecEvent done = event(ExecEvent::Kind::NodeDone, current_);
    done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - currentStart_).count();
    out.push_back(std::move(done));
    current_ = 0;
}

void ProgressTranslator::text(const Json& message, std::vector<ExecEvent>& out) {
    if (end_ != End::Running) return;
    const Json* typeField = message.find("type");
    const Json* data = message.find("data");
    if (!typeField || !data || !data->isObject()) return;
    const Json* prompt = data->find("prompt_id");
    if (!prompt || prompt->toString() != promptId_) return;
    const std::string& type = typeField->toString();
    using K = ExecEvent::Kind;
    if (type == "execution_start") {
        started_ = true;
        out.push_back(event(K::RunStarted));
    } else if (type == "execution_cached") {
        if (const Json* nodes = data->find("nodes"))
            for (const Json& key : nodes->array())
                if (NodeId id = nodeOf(&key)) out.push_back(event(K::NodeCached, id));
    } else if (type == "executing") {
        const Json* node = data->find("node");
        finishCurrent(out);
        if (!node || node->isNull()) {
            end_ = End::Succeeded;
            return;
        }
        current_ = nodeOf(node);
        currentStart_ = std::chrono::steady_clock::now();
        if (current_) out.push_back(event(K::NodeStarted, current_));
    } else if (type == "progress") {
        ExecEvent e = event(K::Progress, nodeOf(data->find("node")) ? nodeOf(data->find("node")) : current_);
        e.step = int(data->find("value") ? data->find("value")->toInt() : 0);
        e.total = int(data->find("max") ? data->find("max")->toInt() : 0);
        out.push_back(std::move(e));
    } else if (type == "execution_success") {
        // Not the end yet: ComfyUI records the history after this, then sends "executing" null.
        finishCurrent(out);
    } else if (type == "execution_error") {
        failedNode_ = nodeOf(data->find("node_id"));
        const Json* text = data->find("exception_message");
        error_ = (failedNode_ ? graph_.describeNode(failedNode_) + ": " : std::string()) +
                 (text && !text->toString().empty() ? text->toString() : std::string("failed on the backend"));
        ExecEvent failed = event(K::NodeFailed, failedNode_);
        failed.message = error_;
        out.push_back(std::move(failed));
        current_ = 0;
        end_ = End::Failed;
    } else if (type == "execution_interrupted") {
        current_ = 0;
        end_ = End::Interrupted;
    }
}

void ProgressTranslator::binary(const QByteArray& frame, std::vector<ExecEvent>& out) {
    if (end_ != End::Running || !current_) return;
    auto preview = decodePreviewFrame(frame);
    if (!preview) return;
    ExecEvent e = event(ExecEvent::Kind::Preview, current_);
    e.preview = std::move(preview);
    out.push_back(std::move(e));
}

std::shared_ptr<const PreviewImage> decodePreviewFrame(const QByteArray& frame) {
    if (frame.size() < 8) return nullptr;
    const auto* bytes = reinterpret_cast<const uchar*>(frame.constData());
    const quint32 kind = qFromBigEndian<quint32>(bytes);
    qsizetype offset = 8;  // event type, image format
    if (kind == 4) {       // with metadata: u32 length, JSON, then the image
        const quint32 length = qFromBigEndian<quint32>(bytes + 4);
        offset = 8 + qsizetype(length);
    } else if (kind != 1) {
        return nullptr;
    }
    if (offset >= frame.size()) return nullptr;
    const cv::Mat encoded(1, int(frame.size() - offset), CV_8UC1, const_cast<uchar*>(bytes + offset));
    const cv::Mat bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
    if (bgr.empty()) return nullptr;
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    auto image = std::make_shared<PreviewImage>();
    image->width = rgb.cols;
    image->height = rgb.rows;
    image->rgb.assign(rgb.data, rgb.data + size_t(rgb.total() * 3));
    return image;
}

}  // namespace tessera::remote
