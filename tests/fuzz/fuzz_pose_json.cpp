// OpenPose JSON keypoints from outside: LoadPoseKeypoints files, the PoseEditor's pose_json widget
// (pasted or from a workflow), read back into POSE_KEYPOINT frames and written out again.
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "nodes/pose_keypoints.h"

#include <string_view>

TESSERA_FUZZ_TARGET(pose_json) {
    try {
        const auto frames = tessera::nodes::poseFramesFromJson(
            tessera::parseJson(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz"), "fuzz");
        (void)tessera::writeJson(tessera::nodes::poseFramesToJson(frames));
    } catch (const tessera::Error&) {
    }
    return 0;
}
