// The HTTP routes, registered plain and under /api as ComfyUI does.
#include "app/server/comfy_server.h"

#include "app/server/http_json.h"
#include "app/server/image_upload.h"
#include "app/server/multipart.h"
#include "app/server/object_info.h"
#include "app/server/run_state.h"
#include "app/server/safe_paths.h"
#include "core/common/version.h"
#include "core/exec/models_folder.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QSysInfo>
#include <QUrlQuery>
#include <QUuid>

#include <cstring>
#include <fstream>

namespace tessera::server {
namespace {

using Method = QHttpServerRequest::Method;

Json emptyObject() { return Json(Json::Object{}); }

int64_t meminfo(const char* key) {
    std::ifstream f("/proc/meminfo");
    std::string name;
    int64_t kb = 0;
    std::string unit;
    while (f >> name >> kb >> unit)
        if (name == std::string(key) + ":") return kb * 1024;
    return 0;
}

std::string withoutExtension(const std::string& name) {
    const auto dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace

void ComfyServer::addRoutes() {
    addRoute("/prompt", Method::Post, [this](const QHttpServerRequest& r) { return postPrompt(r); });
    addRoute("/prompt", Method::Get, [this](const QHttpServerRequest&) {
        Json info;
        info.set("queue_remaining", int64_t(queue_.remaining()));
        Json body;
        body.set("exec_info", std::move(info));
        return jsonResponse(body);
    });
    addRoute("/queue", Method::Get, [this](const QHttpServerRequest&) { return jsonResponse(queue_.queueJson()); });
    addRoute("/queue", Method::Post, [this](const QHttpServerRequest& r) { return postQueue(r); });
    addRoute("/interrupt", Method::Post, [this](const QHttpServerRequest& r) { return postInterrupt(r); });
    addRoute("/history", Method::Get, [this](const QHttpServerRequest& r) { return getHistory(r); });
    addRoute("/history", Method::Post, [this](const QHttpServerRequest& r) { return postHistory(r); });
    addArgRoute("/history/<arg>", Method::Get, [this](const QString& id, const QHttpServerRequest&) {
        return jsonResponse(queue_.historyJson(id.toStdString()));
    });
    addRoute("/view", Method::Get, [this](const QHttpServerRequest& r) { return getView(r); });
    addRoute("/upload/image", Method::Post, [this](const QHttpServerRequest& r) { return postUpload(r, false); });
    addRoute("/upload/mask", Method::Post, [this](const QHttpServerRequest& r) { return postUpload(r, true); });
    addRoute("/object_info", Method::Get, [this](const QHttpServerRequest&) { return jsonResponse(allObjectInfo(registry_, env_)); });
    addArgRoute("/object_info/<arg>", Method::Get, [this](const QString& type, const QHttpServerRequest&) {
        Json body = emptyObject();
        if (const NodeDecl* d = registry_.find(type.toStdString())) body.set(d->type, objectInfo(*d, env_));
        return jsonResponse(body);
    });
    addRoute("/system_stats", Method::Get, [this](const QHttpServerRequest&) { return systemStats(); });
    addRoute("/embeddings", Method::Get, [this](const QHttpServerRequest&) {
        Json list{Json::Array{}};
        for (const auto& name : env_.listModels("embeddings")) list.push(withoutExtension(name));
        return jsonResponse(list);
    });
    addRoute("/models", Method::Get, [](const QHttpServerRequest&) {
        Json list{Json::Array{}};
        for (const auto& kind : modelFolderKinds()) list.push(kind.folder);
        return jsonResponse(list);
    });
    addArgRoute("/models/<arg>", Method::Get, [this](const QString& folder, const QHttpServerRequest&) { return getModels(folder); });
    addRoute("/features", Method::Get, [this](const QHttpServerRequest&) {
        Json flags;
        flags.set("supports_preview_metadata", false);
        flags.set("max_upload_size", options_.maxUploadBytes);
        return jsonResponse(flags);
    });
    addRoute("/free", Method::Post, [this](const QHttpServerRequest&) {
        executor_.freeAll();
        return jsonResponse(emptyObject());
    });
}

QHttpServerResponse ComfyServer::postPrompt(const QHttpServerRequest& request) {
    if (request.body().size() > options_.maxJsonBytes)
        return errorResponse(Status::PayloadTooLarge, "body_too_large", "the request body is larger than allowed");
    Json body;
    try {
        body = parseJsonBody(request.body());
    } catch (const std::exception& e) {
        return errorResponse(Status::BadRequest, "invalid_json", e.what());
    }
    const Json* prompt = body.find("prompt");
    if (!prompt) return errorResponse(Status::BadRequest, "no_prompt", "No prompt provided");
    if (int(queue_.pendingCount()) >= options_.maxQueue)
        return errorResponse(Status::TooManyRequests, "queue_full",
                             "the queue already holds " + std::to_string(queue_.pendingCount()) + " prompts");
    auto item = std::make_shared<QueuedPrompt>();
    if (const Json* id = body.find("prompt_id"); id && id->isString() && !id->toString().empty()) {
        item->id = id->toString();
        if (item->id.size() > 200 || queue_.knows(item->id))
            return errorResponse(Status::BadRequest, "invalid_prompt_id", "prompt_id '" + item->id + "' is already in use");
    } else {
        item->id = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    }
    item->prompt = *prompt;
    item->extraData = body.find("extra_data") && body.find("extra_data")->isObject() ? *body.find("extra_data") : emptyObject();
    if (const Json* client = body.find("client_id"); client && client->isString()) {
        item->clientId = client->toString();
        item->extraData.set("client_id", item->clientId);
    }
    item->extraData.set("create_time", QDateTime::currentMSecsSinceEpoch());
    item->checked = checkPrompt(*prompt, registry_, env_, body.find("partial_execution_targets"));
    if (!item->checked.ok) return jsonResponse(item->checked.rejection, Status::BadRequest);
    const Json* number = body.find("number");
    const Json* front = body.find("front");
    item->number = number && number->isNumber() ? number->toDouble() : queue_.nextNumber(front && front->toBool());
    queue_.push(item);
    Json answer;
    answer.set("prompt_id", item->id);
    answer.set("number", item->number == double(int64_t(item->number)) ? Json(int64_t(item->number)) : Json(item->number));
    answer.set("node_errors", emptyObject());
    broadcast(statusMessage());
    startNextPrompt();
    return jsonResponse(answer);
}

QHttpServerResponse ComfyServer::postQueue(const QHttpServerRequest& request) {
    const Json body = parseJsonBody(request.body());
    if (body.find("clear") && body.find("clear")->toBool()) queue_.clearPending();
    if (const Json* del = body.find("delete"))
        for (const Json& id : del->array()) queue_.removePending(id.toString());
    broadcast(statusMessage());
    return jsonResponse(emptyObject());
}

QHttpServerResponse ComfyServer::postInterrupt(const QHttpServerRequest& request) {
    const Json body = parseJsonBody(request.body());
    const Json* id = body.find("prompt_id");
    if (run_ && (!id || id->toString() == run_->prompt->id)) run_->handle.cancel();
    return jsonResponse(emptyObject());
}

QHttpServerResponse ComfyServer::getHistory(const QHttpServerRequest& request) {
    const QUrlQuery q = request.query();
    return jsonResponse(queue_.historyJson(q.queryItemValue("max_items").toInt(), q.queryItemValue("offset").toInt()));
}

QHttpServerResponse ComfyServer::postHistory(const QHttpServerRequest& request) {
    const Json body = parseJsonBody(request.body());
    if (body.find("clear") && body.find("clear")->toBool()) queue_.clearHistory();
    if (const Json* del = body.find("delete"))
        for (const Json& id : del->array()) queue_.deleteHistory(id.toString());
    return jsonResponse(emptyObject());
}

QString ComfyServer::folderForType(const QString& type) const {
    if (type.isEmpty() || type == "output") return QString::fromStdString(env_.outputDir);
    if (type == "input") return QString::fromStdString(env_.inputDir);
    if (type == "temp") return QString::fromStdString(env_.tempDir);
    return {};
}

QHttpServerResponse ComfyServer::getView(const QHttpServerRequest& request) {
    const QUrlQuery q = request.query();
    QString filename = q.queryItemValue("filename", QUrl::FullyDecoded);
    QString type = q.queryItemValue("type");
    // "name.png [output]": ComfyUI's annotated file names.
    for (const char* t : {"output", "input", "temp"})
        if (filename.endsWith(QString(" [%1]").arg(t))) {
            type = t;
            filename.chop(int(std::strlen(t)) + 3);
        }
    const QString folder = folderForType(type);
    if (folder.isEmpty()) return errorResponse(Status::BadRequest, "invalid_type", "unknown type '" + type.toStdString() + "'");
    const auto path = confinedPath(folder, q.queryItemValue("subfolder", QUrl::FullyDecoded), filename);
    if (!path) return errorResponse(Status::BadRequest, "invalid_filename", "invalid file name or subfolder");
    QFile file(*path);
    if (!QFileInfo(*path).isFile() || !file.open(QIODevice::ReadOnly))
        return errorResponse(Status::NotFound, "not_found", "no file " + filename.toStdString());
    const QByteArray mime = QMimeDatabase().mimeTypeForFile(*path).name().toUtf8();
    QHttpServerResponse response(mime, file.readAll());
    if (!mime.startsWith("image/") || mime.contains("svg"))
        response.setHeader("Content-Disposition", "attachment; filename=\"" + QFileInfo(*path).fileName().toUtf8() + "\"");
    return response;
}

QHttpServerResponse ComfyServer::postUpload(const QHttpServerRequest& request, bool mask) {
    if (request.body().size() > options_.maxUploadBytes)
        return errorResponse(Status::PayloadTooLarge, "body_too_large", "the upload is larger than allowed");
    const QByteArray boundary = multipartBoundary(request.value("Content-Type"));
    if (boundary.isEmpty()) return errorResponse(Status::BadRequest, "invalid_upload", "expected multipart/form-data");
    const auto parts = parseMultipart(request.body(), boundary);
    if (!parts) return errorResponse(Status::BadRequest, "invalid_upload", "malformed multipart body");
    const FormPart* image = findPart(*parts, "image");
    if (!image || image->filename.isEmpty()) return errorResponse(Status::BadRequest, "invalid_upload", "no 'image' file part");
    auto field = [&](const char* name) {
        const FormPart* p = findPart(*parts, name);
        return p ? QString::fromUtf8(p->data) : QString();
    };
    UploadRequest up;
    up.data = image->data;
    up.filename = QFileInfo(QString::fromUtf8(image->filename)).fileName();
    up.subfolder = field("subfolder");
    up.type = field("type").isEmpty() ? QString("input") : field("type");
    up.overwrite = field("overwrite") == "true" || field("overwrite") == "1";
    up.maxPixels = options_.maxImagePixels;
    const QString folder = folderForType(up.type);
    if (folder.isEmpty()) return errorResponse(Status::BadRequest, "invalid_type", "unknown type '" + up.type.toStdString() + "'");
    UploadResult result;
    if (mask) {
        const Json ref = parseJson(field("original_ref").toStdString(), "original_ref");
        const QString refType = ref.find("type") ? QString::fromStdString(ref.find("type")->toString()) : QString("output");
        const QString refFolder = folderForType(refType);
        const auto original = refFolder.isEmpty() ? std::nullopt
                              : confinedPath(refFolder, ref.find("subfolder") ? QString::fromStdString(ref.find("subfolder")->toString()) : QString(),
                                             ref.find("filename") ? QString::fromStdString(ref.find("filename")->toString()) : QString());
        if (!original || !QFileInfo(*original).isFile())
            return errorResponse(Status::BadRequest, "invalid_original_ref", "original_ref does not name an existing image");
        result = saveUploadedMask(up, folder, *original);
    } else {
        result = saveUploadedImage(up, folder);
    }
    if (!result.ok) return errorResponse(Status(result.status), "invalid_upload", result.message);
    Json answer;
    answer.set("name", result.name.toStdString());
    answer.set("subfolder", result.subfolder.toStdString());
    answer.set("type", result.type.toStdString());
    return jsonResponse(answer);
}

QHttpServerResponse ComfyServer::getModels(const QString& folder) {
    for (const auto& kind : modelFolderKinds())
        if (folder.toStdString() == kind.folder) {
            Json list{Json::Array{}};
            for (const auto& name : env_.listModels(kind.folder)) list.push(name);
            return jsonResponse(list);
        }
    return errorResponse(Status::NotFound, "not_found", "no model folder '" + folder.toStdString() + "'");
}

QHttpServerResponse ComfyServer::systemStats() const {
    Json system;
    system.set("os", "posix");
    system.set("ram_total", meminfo("MemTotal"));
    system.set("ram_free", meminfo("MemAvailable"));
    system.set("comfyui_version", std::string("tessera-") + versionString());
    system.set("tessera_version", versionString());
    system.set("python_version", "none (Tessera is native C++)");
    system.set("pytorch_version", "libtorch");
    system.set("embedded_python", false);
    system.set("argv", Json(Json::Array{Json("tessera"), Json("serve")}));
    Json device;
    device.set("name", env_.device == "cpu" ? "cpu" : env_.device);
    device.set("type", env_.device == "cuda" ? "cuda" : "cpu");
    device.set("index", 0);
    device.set("vram_total", meminfo("MemTotal"));
    device.set("vram_free", meminfo("MemAvailable"));
    device.set("torch_vram_total", 0);
    device.set("torch_vram_free", 0);
    Json stats;
    stats.set("system", std::move(system));
    stats.set("devices", Json(Json::Array{device}));
    return jsonResponse(stats);
}

}  // namespace tessera::server
