#include "app/cli/commands.h"

#include "core/common/error.h"

#ifdef TESSERA_WITH_SERVER
#include "app/server/comfy_server.h"
#include "core/engine/compute/device.h"

#include <QCoreApplication>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <cstdio>
#endif

namespace tessera::cli {

#ifdef TESSERA_WITH_SERVER
namespace {
std::atomic<bool> stopRequested{false};
void onStopSignal(int) { stopRequested = true; }
}  // namespace

int serveCommand(const CliOptions& o, const Registry& registry) {
    server::ServerOptions s;
    s.listen = o.listen;
    s.port = o.port;
    s.modelDirs = o.modelDirs;
    if (!o.inputDir.empty()) s.inputDir = o.inputDir;
    s.outputDir = o.outputDir;
    s.token = o.token;
    s.maxQueue = o.maxQueue;
    s.device = o.device;
    s.precision = o.precision;
    s.previewMethod = o.previewMethod;
    engine::configureThreads(o.threads);
    engine::resolvePlacement(o.device, o.precision);  // fails early for an unavailable device

    server::ComfyServer server(s, registry);
    server.start();
    if (!server::isLoopback(s.listen) && s.token.empty())
        std::fprintf(stderr,
                     "tessera serve: WARNING: listening on %s without --token: anyone who can reach this machine "
                     "can run prompts and read its input and output folders\n",
                     s.listen.c_str());
    std::printf("tessera serve: listening on http://%s:%d\n", s.listen.c_str(), server.port());
    std::fflush(stdout);

    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [] {
        if (stopRequested) QCoreApplication::quit();
    });
    poll.start(100);
    QCoreApplication::exec();
    std::fprintf(stderr, "tessera serve: stopped\n");
    return 0;
}
#else
int serveCommand(const CliOptions&, const Registry&) {
    throw Error("this tessera was built without the server (install qt6-httpserver-dev and qt6-websockets-dev, then rebuild)");
}
#endif

}  // namespace tessera::cli
