// The editor keeps each run's POSE_KEYPOINT outputs (OpenPose JSON per node output), so the pose
// editor can open on the keypoints that reached a PoseEditor node's pose_kps input.
#include "app/editor/editor_session.h"
#include "app/editor/graph_document.h"
#include "app/editor/pose_keypoint_store.h"
#include "app/editor/run_controller.h"
#include "core/io/json.h"
#include "nodes/pose_keypoints.h"
#include "tests/editor/editor_test_support.h"
#include "tests/support/refdata.h"

#include <QCoreApplication>
#include <QSignalSpy>

#include <fstream>
#include <sstream>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {
std::vector<nodes::PoseFrame> posesOf(const QString& json) {
    return nodes::poseFramesFromJson(parseJson(json.toStdString(), "kept keypoints"), "kept keypoints");
}
}  // namespace

TEST(PoseKeypointStore, TheSessionKeepsTheRunsPoseKeypointOutputsPerNodeOutput) {
    const auto app = coreApplicationIfNone();

    const std::string root = tessera::test::makeTempDir("pose-keypoint-store");
    EditorSession session(QString::fromStdString(root + "/settings.ini"));
    Environment env;
    env.outputDir = root + "/output";
    env.tempDir = root + "/temp";
    session.runner()->setEnvironment(env);
    GraphDocument& doc = *session.document();
    PoseKeypointStore& poses = *session.poses();

    // LoadPoseKeypoints (two people on 160x120) -> PoseEditor -> SavePoseKpsAsJsonFile.
    const std::string fixture = tessera::test::sourceDir() + "/tests/fixtures/pose/dwpose_body_128.json";
    const qint64 load = doc.addNode("LoadPoseKeypoints", 0, 0), editorNode = doc.addNode("PoseEditor", 300, 0),
                 save = doc.addNode("SavePoseKpsAsJsonFile", 600, 0);
    ASSERT_TRUE(doc.setWidgetValue(load, "json_file", QString::fromStdString(fixture)));
    TextToImage::link(doc, load, 1, editorNode, "pose_kps");
    TextToImage::link(doc, editorNode, 1, save, "pose_kps");
    EXPECT_EQ(poses.arrivingAt(editorNode, "pose_kps"), QString());

    QSignalSpy finished(session.runner(), &RunController::runFinished), changed(&poses, &PoseKeypointStore::changed);
    auto runOnce = [&] {
        const int before = finished.count();
        EXPECT_GT(session.runner()->run(), 0);
        while (finished.count() == before)
            if (!finished.wait(60000)) break;
        ASSERT_EQ(finished.count(), before + 1);
        ASSERT_TRUE(finished.last().at(1).toBool()) << str(finished.last().at(2).toString());
    };
    runOnce();
    EXPECT_EQ(changed.count(), 1);

    // The loader's and the editor's POSE_KEYPOINT outputs (slot 1), nothing for the IMAGE outputs.
    EXPECT_EQ(poses.count(), 2);
    EXPECT_EQ(poses.json(load, 0), QString());
    const QString detected = poses.json(load, 1);
    ASSERT_FALSE(detected.isEmpty());
    EXPECT_EQ(poses.arrivingAt(editorNode, "pose_kps"), detected);
    const auto frames = posesOf(detected);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].canvasWidth, 160);
    EXPECT_EQ(frames[0].canvasHeight, 120);
    ASSERT_EQ(frames[0].people.size(), 2u);
    ASSERT_EQ(frames[0].people[0].body.size(), 18u);
    EXPECT_FALSE(frames[0].people[0].body[0].has_value());
    EXPECT_EQ(frames[0].people[0].body[3], (nodes::PosePoint{40.16666666666667, 20.125}));
    EXPECT_TRUE(frames[0].people[0].face.empty());
    std::ifstream in(fixture);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(writeJson(nodes::poseFramesToJson(frames)),
              writeJson(nodes::poseFramesToJson(posesOf(QString::fromStdString(text.str())))));
    // With pose_json empty the editor node passes the keypoints on unchanged.
    EXPECT_EQ(poses.json(editorNode, 1), detected);

    // An edited pose in pose_json: the editor's output follows it, what arrives at pose_kps does not.
    auto edited = frames;
    edited[0].people.pop_back();
    edited[0].people[0].body[3] = nodes::PosePoint{50, 60};
    ASSERT_TRUE(doc.setWidgetValue(editorNode, "pose_json",
                                   QString::fromStdString(writeJson(nodes::poseFramesToJson(edited)))));
    runOnce();
    EXPECT_EQ(changed.count(), 2);
    EXPECT_EQ(poses.arrivingAt(editorNode, "pose_kps"), detected);
    const auto out = posesOf(poses.json(editorNode, 1));
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].people.size(), 1u);
    EXPECT_EQ(out[0].people[0].body[3], (nodes::PosePoint{50, 60}));

    // Unlinked, nothing arrives at the input any more.
    doc.disconnectInput(editorNode, "pose_kps");
    EXPECT_EQ(poses.arrivingAt(editorNode, "pose_kps"), QString());
}
