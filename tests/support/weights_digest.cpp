#include "tests/support/weights_digest.h"

#include "tests/support/refdata.h"

#include <ATen/ATen.h>

#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace tessera::test {

std::string weightsDigest(const engine::Weights& w) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const auto& key : w.keys()) {
        at::Tensor t = w.get(key).contiguous();
        t = t.is_floating_point() ? t.to(at::kFloat) : t.to(at::kLong);
        hash.addData(QByteArray::fromStdString(key));
        hash.addData(QByteArrayView(static_cast<const char*>(t.data_ptr()), qsizetype(t.numel() * t.element_size())));
    }
    return hash.result().toHex().toStdString();
}

std::string mergeReferenceDigest(const std::string& mergeCase) {
    QFile f(QString::fromStdString(sourceDir() + "/tests/fixtures/merges/merge_reference.json"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QJsonObject cases = QJsonDocument::fromJson(f.readAll()).object().value("cases").toObject();
    return cases.value(QString::fromStdString(mergeCase)).toObject().value("sha256").toString().toStdString();
}

}  // namespace tessera::test
