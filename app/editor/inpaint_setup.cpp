#include "app/editor/inpaint_setup.h"

#include <QStringList>

#include <algorithm>

namespace tessera::editor {

namespace {

const QStringList kMethods{"noise_mask", "vae_encode_for_inpaint", "inpaint_model"};

void readInt(const QVariantMap& map, const char* key, int& out, bool nonNegative) {
    bool ok = false;
    const int v = map.value(key).toInt(&ok);
    if (map.contains(key) && ok) out = nonNegative ? std::max(0, v) : v;
}

}  // namespace

InpaintOptions InpaintOptions::fromVariant(const QVariantMap& map) {
    InpaintOptions o;
    if (const QString m = map.value("method").toString(); kMethods.contains(m)) o.method = m;
    readInt(map, "grow", o.grow, false);
    readInt(map, "feather", o.feather, true);
    if (map.contains("onlyMasked")) o.onlyMasked = map.value("onlyMasked").toBool();
    readInt(map, "padding", o.padding, true);
    readInt(map, "targetSize", o.targetSize, true);
    readInt(map, "padLeft", o.padLeft, true);
    readInt(map, "padTop", o.padTop, true);
    readInt(map, "padRight", o.padRight, true);
    readInt(map, "padBottom", o.padBottom, true);
    readInt(map, "outpaintFeather", o.outpaintFeather, true);
    bool ok = false;
    if (const double d = map.value("denoise").toDouble(&ok); map.contains("denoise") && ok) o.denoise = std::clamp(d, 0.0, 1.0);
    return o;
}

QVariantMap InpaintOptions::toVariant() const {
    return {{"method", method},         {"grow", grow},         {"feather", feather},
            {"onlyMasked", onlyMasked}, {"padding", padding},   {"targetSize", targetSize},
            {"padLeft", padLeft},       {"padTop", padTop},     {"padRight", padRight},
            {"padBottom", padBottom},   {"outpaintFeather", outpaintFeather}, {"denoise", denoise}};
}

}  // namespace tessera::editor
