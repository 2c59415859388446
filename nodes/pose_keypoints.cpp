#include "nodes/pose_keypoints.h"

#include "core/common/error.h"

namespace tessera::nodes {
namespace {

Json posePartJson(const PosePart& part) {
    if (part.empty()) return Json(nullptr);
    Json::Array values;
    values.reserve(part.size() * 3);
    for (const auto& p : part) {
        values.emplace_back(p ? p->x : 0.0);
        values.emplace_back(p ? p->y : 0.0);
        values.emplace_back(p ? 1.0 : 0.0);
    }
    return Json(std::move(values));
}

PosePart posePartFromJson(const Json* json, const std::string& where) {
    PosePart part;
    if (!json || json->isNull()) return part;
    if (!json->isArray()) throw Error(where + " is not a list of numbers");
    const Json::Array& v = json->array();
    if (v.size() % 3 != 0) throw Error(where + " has " + std::to_string(v.size()) + " numbers, not x, y, c triples");
    for (size_t i = 0; i < v.size(); i += 3) {
        if (!v[i].isNumber() || !v[i + 1].isNumber() || !v[i + 2].isNumber())
            throw Error(where + " holds something other than numbers");
        if (v[i + 2].toDouble() >= 1.0)
            part.emplace_back(PosePoint{finiteOrZero(v[i].toDouble()), finiteOrZero(v[i + 1].toDouble())});
        else
            part.emplace_back(std::nullopt);
    }
    return part;
}

PoseFrame poseFrameFromJson(const Json& json, const std::string& where) {
    if (!json.isObject()) throw Error(where + " is not an object");
    PoseFrame frame;
    const Json* h = json.find("canvas_height");
    const Json* w = json.find("canvas_width");
    if (!h || !w || !h->isNumber() || !w->isNumber()) throw Error(where + " lacks canvas_width / canvas_height");
    frame.canvasHeight = h->toInt();
    frame.canvasWidth = w->toInt();
    if (frame.canvasHeight < 1 || frame.canvasWidth < 1 || frame.canvasHeight > 16384 || frame.canvasWidth > 16384)
        throw Error(where + " has a canvas of " + std::to_string(frame.canvasWidth) + "x" +
                    std::to_string(frame.canvasHeight) + " (1..16384 per side)");
    const Json* people = json.find("people");
    if (people && !people->isNull() && !people->isArray()) throw Error(where + ": people is not a list");
    if (!people || people->isNull()) return frame;
    for (size_t i = 0; i < people->array().size(); ++i) {
        const Json& p = people->array()[i];
        const std::string at = where + ", person " + std::to_string(i + 1);
        if (!p.isObject()) throw Error(at + " is not an object");
        frame.people.push_back({posePartFromJson(p.find("pose_keypoints_2d"), at + ": pose_keypoints_2d"),
                                posePartFromJson(p.find("face_keypoints_2d"), at + ": face_keypoints_2d"),
                                posePartFromJson(p.find("hand_left_keypoints_2d"), at + ": hand_left_keypoints_2d"),
                                posePartFromJson(p.find("hand_right_keypoints_2d"), at + ": hand_right_keypoints_2d")});
    }
    return frame;
}

}  // namespace

size_t PoseKeypointValue::byteSize() const {
    size_t n = 0;
    for (const auto& f : frames)
        for (const auto& p : f.people)
            n += (p.body.size() + p.face.size() + p.leftHand.size() + p.rightHand.size()) * sizeof(std::optional<PosePoint>);
    return n;
}

Json poseFramesToJson(const std::vector<PoseFrame>& frames) {
    Json::Array out;
    for (const PoseFrame& f : frames) {
        Json::Array people;
        for (const PosePerson& p : f.people)
            people.emplace_back(Json::Object{{"pose_keypoints_2d", posePartJson(p.body)},
                                             {"face_keypoints_2d", posePartJson(p.face)},
                                             {"hand_left_keypoints_2d", posePartJson(p.leftHand)},
                                             {"hand_right_keypoints_2d", posePartJson(p.rightHand)}});
        out.emplace_back(Json::Object{{"people", Json(std::move(people))},
                                      {"canvas_height", Json(f.canvasHeight)},
                                      {"canvas_width", Json(f.canvasWidth)}});
    }
    return Json(std::move(out));
}

std::vector<PoseFrame> poseFramesFromJson(const Json& json, const std::string& what) {
    std::vector<PoseFrame> frames;
    if (json.isObject()) {
        frames.push_back(poseFrameFromJson(json, what));
    } else if (json.isArray()) {
        for (size_t i = 0; i < json.array().size(); ++i)
            frames.push_back(poseFrameFromJson(json.array()[i], what + ", frame " + std::to_string(i + 1)));
    } else {
        throw Error(what + " is not OpenPose JSON (a list of {people, canvas_width, canvas_height})");
    }
    return frames;
}

}  // namespace tessera::nodes
