#pragma once
// multipart/form-data bodies. Qt 6.4's QHttpServerRequest hands routes the raw body only (there is
// no form parser in Qt), so uploads are split here: parts by boundary, then each part's
// Content-Disposition name / filename and Content-Type.
#include <QByteArray>

#include <optional>
#include <vector>

namespace tessera::server {

struct FormPart {
    QByteArray name;
    QByteArray filename;  // empty for plain fields
    QByteArray contentType;
    QByteArray data;
};

// The boundary from a Content-Type header ("multipart/form-data; boundary=..."); empty if none.
QByteArray multipartBoundary(const QByteArray& contentType);
// nullopt for a malformed body (missing boundary lines, headers without an end, too many parts).
std::optional<std::vector<FormPart>> parseMultipart(const QByteArray& body, const QByteArray& boundary,
                                                    int maxParts = 32);
const FormPart* findPart(const std::vector<FormPart>& parts, const QByteArray& name);

}  // namespace tessera::server
