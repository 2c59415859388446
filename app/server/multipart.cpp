#include "app/server/multipart.h"

#include <QList>

namespace tessera::server {
namespace {

// The value of `key` in a header like: form-data; name="image"; filename="a.png"
QByteArray headerParam(const QByteArray& header, const QByteArray& key) {
    for (QByteArray item : header.split(';')) {
        item = item.trimmed();
        const qsizetype eq = item.indexOf('=');
        if (eq < 0 || item.left(eq).trimmed().toLower() != key) continue;
        QByteArray v = item.mid(eq + 1).trimmed();
        if (v.size() >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.mid(1, v.size() - 2);
        return v;
    }
    return {};
}

}  // namespace

QByteArray multipartBoundary(const QByteArray& contentType) {
    if (!contentType.trimmed().toLower().startsWith("multipart/form-data")) return {};
    const QByteArray b = headerParam(contentType, "boundary");
    return b.size() <= 200 ? b : QByteArray();
}

std::optional<std::vector<FormPart>> parseMultipart(const QByteArray& body, const QByteArray& boundary, int maxParts) {
    if (boundary.isEmpty()) return std::nullopt;
    const QByteArray delimiter = "--" + boundary;
    qsizetype pos = body.indexOf(delimiter);
    if (pos < 0) return std::nullopt;
    std::vector<FormPart> parts;
    while (true) {
        pos += delimiter.size();
        if (body.mid(pos, 2) == "--") return parts;  // the closing delimiter
        if (body.mid(pos, 2) != "\r\n") return std::nullopt;
        pos += 2;
        const qsizetype headersEnd = body.indexOf("\r\n\r\n", pos);
        if (headersEnd < 0) return std::nullopt;
        const qsizetype next = body.indexOf("\r\n" + delimiter, headersEnd + 4);
        if (next < 0) return std::nullopt;
        if (int(parts.size()) >= maxParts) return std::nullopt;
        FormPart part;
        for (const QByteArray& line : body.mid(pos, headersEnd - pos).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon < 0) continue;
            const QByteArray key = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (key == "content-disposition") {
                part.name = headerParam(value, "name");
                part.filename = headerParam(value, "filename");
            } else if (key == "content-type") {
                part.contentType = value;
            }
        }
        part.data = body.mid(headersEnd + 4, next - (headersEnd + 4));
        parts.push_back(std::move(part));
        pos = next + 2;
    }
}

const FormPart* findPart(const std::vector<FormPart>& parts, const QByteArray& name) {
    for (const auto& p : parts)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace tessera::server
