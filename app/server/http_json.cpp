#include "app/server/http_json.h"

namespace tessera::server {

QHttpServerResponse jsonResponse(const Json& body, Status status) {
    return QHttpServerResponse("application/json", QByteArray::fromStdString(writeJson(body)), status);
}

Json errorBody(const std::string& type, const std::string& message, const std::string& details) {
    Json error;
    error.set("type", type);
    error.set("message", message);
    error.set("details", details);
    error.set("extra_info", Json(Json::Object{}));
    Json body;
    body.set("error", std::move(error));
    body.set("node_errors", Json(Json::Object{}));
    return body;
}

QHttpServerResponse errorResponse(Status status, const std::string& type, const std::string& message) {
    return jsonResponse(errorBody(type, message), status);
}

Json parseJsonBody(const QByteArray& body) {
    if (body.trimmed().isEmpty()) return Json(Json::Object{});
    return parseJson(std::string_view(body.constData(), size_t(body.size())), "the request body");
}

}  // namespace tessera::server
