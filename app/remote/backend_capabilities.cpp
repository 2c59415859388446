#include "app/remote/backend_capabilities.h"

#include "app/remote/http_call.h"
#include "core/common/error.h"

#include <QEventLoop>

namespace tessera::remote {

BackendCapabilities capabilitiesFrom(const Json& systemStats, const Json& objectInfo) {
    BackendCapabilities c;
    const Json* system = systemStats.find("system");
    const Json* tessera = system ? system->find("tessera_version") : nullptr;
    const Json* comfy = system ? system->find("comfyui_version") : nullptr;
    c.tessera = tessera && tessera->isString();
    if (c.tessera) c.server = "Tessera " + tessera->toString();
    else c.server = "ComfyUI" + (comfy && comfy->isString() ? " " + comfy->toString() : std::string());
    for (const auto& [type, info] : objectInfo.object()) c.nodeTypes.insert(type);
    return c;
}

CapabilityProbe::CapabilityProbe(QNetworkAccessManager& net, BackendAddress backend, QObject* parent)
    : QObject(parent), net_(net), backend_(std::move(backend)) {}

void CapabilityProbe::start(std::vector<std::string> modelFolders, Done done) {
    folders_ = std::move(modelFolders);
    done_ = std::move(done);
    httpGet(net_, backend_, "/system_stats", {}, this, [this](const HttpResult& r) {
        if (!r.ok()) return fail(describeFailure(backend_, "GET /system_stats", r));
        try {
            systemStats_ = r.json("its /system_stats");
        } catch (const Error& e) {
            return fail("backend " + backend_.name() + ": " + e.what());
        }
        httpGet(net_, backend_, "/object_info", {}, this, [this](const HttpResult& info) {
            if (!info.ok()) return fail(describeFailure(backend_, "GET /object_info", info));
            try {
                caps_ = capabilitiesFrom(systemStats_, info.json("its /object_info"));
            } catch (const Error& e) {
                return fail("backend " + backend_.name() + ": " + e.what());
            }
            nextFolder();
        });
    });
}

void CapabilityProbe::nextFolder() {
    if (folders_.empty()) {
        auto done = std::move(done_);
        return done(caps_, {});
    }
    const std::string folder = folders_.back();
    folders_.pop_back();
    httpGet(net_, backend_, QString::fromStdString("/models/" + folder), {}, this, [this, folder](const HttpResult& r) {
        if (!r.reached()) return fail(describeFailure(backend_, "GET /models/" + folder, r));
        if (r.ok()) {
            try {
                auto& files = caps_.models[folder];
                const Json names = r.json("its /models/" + folder);
                for (const Json& name : names.array()) files.insert(name.toString());
            } catch (const Error& e) {
                return fail("backend " + backend_.name() + ": " + e.what());
            }
        }
        nextFolder();
    });
}

void CapabilityProbe::fail(const std::string& error) {
    auto done = std::move(done_);
    if (done) done(caps_, error);
}

BackendCapabilities probeBackend(QNetworkAccessManager& net, const BackendAddress& backend,
                                 const std::vector<std::string>& modelFolders) {
    CapabilityProbe probe(net, backend);
    QEventLoop loop;
    BackendCapabilities caps;
    std::string error;
    bool finished = false;
    probe.start(modelFolders, [&](const BackendCapabilities& c, const std::string& e) {
        caps = c;
        error = e;
        finished = true;
        loop.quit();
    });
    if (!finished) loop.exec();
    if (!error.empty()) throw Error(error);
    return caps;
}

}  // namespace tessera::remote
