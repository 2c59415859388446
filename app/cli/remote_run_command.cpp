#include "app/cli/remote_run_command.h"

#include "app/cli/interrupt.h"
#include "app/cli/run_display.h"
#include "core/common/error.h"

#ifdef TESSERA_WITH_SERVER
#include "app/remote/backend_capabilities.h"
#include "app/remote/graph_requirements.h"
#include "app/remote/remote_run.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QTimer>

#include <cstdio>
#endif

namespace tessera::cli {

#ifdef TESSERA_WITH_SERVER

int remoteRunCommand(const CliOptions& o, const Registry& registry, LoadedDocument& doc) {
    using Outcome = remote::RemoteRunResult::Outcome;
    const remote::BackendAddress backend = remote::parseBackendAddress(o.server, o.token);
    QNetworkAccessManager net;
    const remote::GraphRequirements needs = remote::requirementsOf(doc.graph, registry);
    remote::BackendCapabilities caps;
    try {
        caps = remote::probeBackend(net, backend, needs.folders());
    } catch (const Error& e) {
        std::fprintf(stderr, "tessera: %s\n", e.what());
        return 4;
    }
    const auto missing = remote::missingOn(needs, caps, doc.graph, backend.name());
    if (!missing.empty()) {
        std::fprintf(stderr, "tessera: %s cannot run on %s (%s):\n", o.file.c_str(), backend.name().c_str(), caps.server.c_str());
        for (const auto& m : missing) std::fprintf(stderr, "  %s\n", m.c_str());
        return 3;
    }

    RunDisplay display(o, doc.graph);
    if (!o.quiet) std::fprintf(stderr, "running %s on %s (%s)\n", o.file.c_str(), backend.name().c_str(), caps.server.c_str());
    QEventLoop loop;
    remote::RemoteRunResult result;
    remote::RemoteRun run(
        net, remote::remoteRunRequest(backend, doc.graph, registry, doc.env), [&](const ExecEvent& e) { display.onEvent(e); },
        [&](const remote::RemoteRunResult& r) {
            result = r;
            loop.quit();
        });
    ScopedInterrupt interrupt;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (interrupt.requested()) run.cancel();
    });
    poll.start(100);
    run.start();
    if (!run.isFinished()) loop.exec();

    switch (result.outcome) {
        case Outcome::Succeeded: display.printSummary(result.seconds); return 0;
        case Outcome::Cancelled: display.message("cancelled"); return 130;
        case Outcome::Rejected: display.message("error: " + result.message); return 3;
        case Outcome::BackendLost: display.message("error: " + result.message); return 4;
        case Outcome::Failed: break;
    }
    display.message("error: " + result.message);
    return 1;
}
#else
int remoteRunCommand(const CliOptions&, const Registry&, LoadedDocument&) {
    throw Error("this tessera was built without the network client (install qt6-websockets-dev, then rebuild)");
}
#endif

}  // namespace tessera::cli
