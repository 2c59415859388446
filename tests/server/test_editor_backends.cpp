// The editor's run queue (RunController with Settings > Backends) driven from a test, on two
// real `tessera serve` processes: runs spread over both, one server killed mid-run hands its
// run to the other, previews and node states reach the editor's models, each output once.
#ifdef TESSERA_TEST_EDITOR
#include "tests/server/remote_fixtures.h"
#include "tests/server/server_harness.h"
#include "tests/support/refdata.h"

#include "app/editor/backend_list_model.h"
#include "app/editor/editor_session.h"
#include "app/editor/editor_settings.h"
#include "app/editor/graph_document.h"
#include "app/editor/node_list_model.h"
#include "app/editor/output_history.h"
#include "app/editor/run_controller.h"
#include "core/io/comfyui_import.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QFile>

#include <map>

namespace tessera::test {
namespace {

using editor::RunController;


bool isRunning(const ServerProcess& server) {
    const HttpReply r = httpGet(server.url("/queue"));
    return r.status == 200 && !r.body.contains("\"queue_running\":[]");
}

TEST(EditorBackends, RunsSpreadOverTwoServersAndAKilledOneHandsItsRunToTheOther) {
    ServerProcess a(servedModels()), b(servedModels());
    ASSERT_TRUE(a.started() && b.started()) << a.log().toStdString() << b.log().toStdString();
    const std::string dir = makeTempDir("editor-backends");
    const QString graphFile = QString::fromStdString(dir + "/tiny.json");
    {
        QFile f(graphFile);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(graphToComfyPrompt(tinyTxt2img("editor", 5, 2), builtinRegistry()));
    }
    editor::EditorSession session(QString::fromStdString(dir + "/settings.ini"));
    session.settings()->setOutputFolder(QString::fromStdString(dir + "/output"));
    editor::BackendListModel& backends = *session.backends();
    backends.setEnabled(0, false);  // only the servers
    ASSERT_TRUE(backends.add(a.url("")));
    ASSERT_TRUE(backends.add(b.url("")));
    ASSERT_TRUE(session.document()->open(graphFile));
    qint64 sampler = 0;
    for (const auto& [id, n] : session.document()->graph().nodes())
        if (n.type == "KSampler") sampler = id;

    RunController& runner = *session.runner();
    std::map<int, std::pair<bool, QString>> finished;
    QObject::connect(&runner, &RunController::runFinished,
                     [&](int id, bool ok, const QString& message) { finished[id] = {ok, message}; });
    const int first = runner.run(), second = runner.run();
    ASSERT_TRUE(waitUntil([&] { return finished.size() == 2; }, 120)) << runner.status().toStdString();
    EXPECT_TRUE(finished[first].first) << finished[first].second.toStdString();
    EXPECT_TRUE(finished[second].first) << finished[second].second.toStdString();
    EXPECT_EQ(filesIn(a.outputDir()), 1u) << "one run on each server";
    EXPECT_EQ(filesIn(b.outputDir()), 1u);
    EXPECT_EQ(session.outputs()->rowCount(), 2);
    const QVariantMap node = session.nodes()->get(session.nodes()->rowOf(sampler));
    EXPECT_EQ(node.value("state").toString(), "done");
    EXPECT_TRUE(node.value("preview").toString().startsWith("image://preview/")) << "the sampler's preview reached its node";

    // A longer run; the server running it is killed at its first step.
    ASSERT_TRUE(session.document()->setWidgetValue(sampler, "steps", 60));
    bool killed = false;
    QObject::connect(&runner, &RunController::progressChanged, [&] {
        if (killed || runner.progress() <= 0) return;
        killed = true;
        (isRunning(a) ? a : b).kill();
    });
    const int third = runner.run();
    ASSERT_TRUE(waitUntil([&] { return finished.count(third) > 0; }, 240)) << runner.status().toStdString();
    EXPECT_TRUE(killed);
    EXPECT_TRUE(finished[third].first) << finished[third].second.toStdString();
    EXPECT_EQ(session.outputs()->rowCount(), 3) << "the run's image is in the history once";
    EXPECT_EQ(filesIn(QString::fromStdString(dir + "/output")), 3u);
}

}  // namespace
}  // namespace tessera::test
#endif
