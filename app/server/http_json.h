#pragma once
// JSON bodies in and out of the HTTP routes, through the project's exact-int64 JSON (core/io/json.h).
#include "core/io/json.h"

#include <QHttpServerResponse>

#include <optional>
#include <string>

namespace tessera::server {

using Status = QHttpServerResponse::StatusCode;

QHttpServerResponse jsonResponse(const Json& body, Status status = Status::Ok);
// {"error": {"type", "message", "details", "extra_info"}, "node_errors": {}}: ComfyUI's error shape.
Json errorBody(const std::string& type, const std::string& message, const std::string& details = {});
QHttpServerResponse errorResponse(Status status, const std::string& type, const std::string& message);

// The body as JSON; an empty body reads as an empty object. Throws tessera::Error with the reason.
Json parseJsonBody(const QByteArray& body);

}  // namespace tessera::server
