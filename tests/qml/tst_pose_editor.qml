import QtQuick
import QtTest
import "../../qml"

// Pose editing: a PoseEditor node's keypoints (its pose_json widget) open in the pose editor (the
// node's Pose button);
// dragging a joint moves it in canvas pixels, undo/redo restore, people are added and removed,
// and Apply stores the edited OpenPose JSON on the node in one undo step of the graph; after a run it
// opens on the keypoints that reached the node's pose_kps input.
Item {
    id: root
    width: 1000; height: 700

    GraphCanvas { id: canvas; anchors.fill: parent; onPoseRequested: (nodeId) => pose.openFor(nodeId) }
    PoseEditor { id: pose; anchors.fill: parent; z: 10 }
    SignalSpy { id: appliedSpy; target: pose; signalName: "applied" }
    SignalSpy { id: runFinished; target: editor.runner; signalName: "runFinished" }

    TestCase {
        name: "PoseEditor"
        when: windowShown

        function findItem(item, name) {
            if (item.objectName === name) return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findItem(item.children[i], name)
                if (found) return found
            }
            return null
        }
        function widgetOf(node, name) {
            const inputs = editor.nodes.get(editor.nodes.rowOf(node)).inputs
            for (let i = 0; i < inputs.length; ++i) if (inputs[i].name === name) return inputs[i].value
            return undefined
        }
        // One person on a 200x100 canvas: nose (100, 20), neck (100, 40), the rest missing; a face point.
        function onePerson() {
            const body = []
            for (let i = 0; i < 18; ++i) body.push(0, 0, 0)
            body.splice(0, 6, 100, 20, 1, 100, 40, 1)
            return [{people: [{pose_keypoints_2d: body, face_keypoints_2d: [104, 18, 1], hand_left_keypoints_2d: null,
                               hand_right_keypoints_2d: null}], canvas_height: 100, canvas_width: 200}]
        }
        function drag(fromX, fromY, toX, toY) {
            const area = findItem(pose, "poseDragArea")
            const a = pose.toView(fromX, fromY), b = pose.toView(toX, toY)
            mousePress(area, a.x, a.y)
            mouseMove(area, (a.x + b.x) / 2, (a.y + b.y) / 2)
            mouseMove(area, b.x, b.y)
            mouseRelease(area, b.x, b.y)
        }
        function nose() { return pose.point(0, "pose_keypoints_2d", 0) }
        // Mouse positions are whole screen pixels: a drag lands within one of them.
        function near(got, want) { fuzzyCompare(got, want, 1.01 / pose.fit) }

        function init() {
            editor.document.newGraph()
        }

        function test_1_dragAJointUndoRedoAndApply() {
            const node = editor.document.addNode("PoseEditor", 0, 0)
            const original = JSON.stringify(onePerson())
            verify(editor.document.setWidgetValue(node, "pose_json", original), editor.document.lastError)
            verify(pose.openFor(node), pose.lastError)
            compare(pose.canvasWidth, 200)
            compare(pose.canvasHeight, 100)

            drag(100, 20, 130, 10)
            near(nose().x, 130)
            near(nose().y, 10)
            compare(pose.chosen.part, "pose_keypoints_2d")
            compare(pose.point(0, "pose_keypoints_2d", 1).y, 40)  // the neck stays
            drag(104, 18, 120, 60)  // the face point by the old nose: no body joint is near now
            near(pose.point(0, "face_keypoints_2d", 0).x, 120)
            drag(20, 90, 60, 90)      // nothing there: no edit
            compare(pose.undoStack.length, 2)

            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(pose.point(0, "face_keypoints_2d", 0).x, 104)
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(nose().x, 100)
            compare(nose().y, 20)
            keyClick(Qt.Key_Z, Qt.ShiftModifier | Qt.ControlModifier)
            near(nose().x, 130)
            const movedNose = nose().x

            drag(100, 40, 500, -30)  // dragged off the canvas: clamped to its edge
            compare(pose.point(0, "pose_keypoints_2d", 1).x, 200)
            compare(pose.point(0, "pose_keypoints_2d", 1).y, 0)

            mouseClick(findItem(pose, "poseApplyButton"))
            compare(appliedSpy.count, 1)
            verify(!pose.visible)
            const stored = JSON.parse(widgetOf(node, "pose_json"))
            compare(stored[0].canvas_width, 200)
            compare(stored[0].people[0].pose_keypoints_2d[0], movedNose)
            compare(stored[0].people[0].pose_keypoints_2d[3], 200)
            editor.document.undo()
            compare(widgetOf(node, "pose_json"), original)
        }

        function test_2_addAndRemovePeople() {
            const node = editor.document.addNode("PoseEditor", 0, 0)
            canvas.fitAll()
            const button = findItem(canvas, "editPose_" + node)
            verify(button, "no Pose button")
            tryVerify(() => button.visible, 2000, "Pose button hidden at zoom " + canvas.zoom)
            mouseClick(button)
            verify(pose.visible, pose.lastError)
            // An empty pose_json starts with one standing person on a 512 x 512 canvas.
            compare(pose.canvasWidth, 512)
            compare(pose.frames[0].people.length, 1)
            mouseClick(findItem(pose, "poseAddPerson"))
            compare(pose.frames[0].people.length, 2)
            pose.frames[0].people[1].pose_keypoints_2d[0] = 400  // the new person's nose, apart from the first's
            pose.revision++
            drag(400, 0.18 * 512, 410, 0.18 * 512)
            compare(pose.chosen.person, 1)
            keyClick(Qt.Key_Delete)
            compare(pose.frames[0].people.length, 1)
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(pose.frames[0].people.length, 2)
            // A saved DWPose result pasted from the clipboard replaces the pose, undoably.
            gui.setClipboardText(JSON.stringify(onePerson()[0]))
            mouseClick(findItem(pose, "posePasteJson"))
            compare(pose.lastError, "")
            compare(pose.canvasWidth, 200)
            compare(pose.frames[0].people.length, 1)
            compare(nose().x, 100)
            gui.setClipboardText("not json")
            mouseClick(findItem(pose, "posePasteJson"))
            verify(pose.lastError !== "")
            compare(pose.canvasWidth, 200)
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(pose.frames[0].people.length, 2)
            compare(pose.canvasWidth, 512)
            keyClick(Qt.Key_Escape)
            verify(!pose.visible)
            compare(widgetOf(node, "pose_json"), "")  // cancelled: the node keeps its value
        }

        // After a run the editor opens on the keypoints that reached pose_kps (two people on 160 x 120
        // from LoadPoseKeypoints); Reset to detected drops the edits (undoably); once pose_json is set,
        // the editor opens on that instead.
        function test_3_opensOnTheLastRunsKeypoints() {
            const load = editor.document.addNode("LoadPoseKeypoints", -400, 0)
            const node = editor.document.addNode("PoseEditor", 0, 0)
            const save = editor.document.addNode("SavePoseKpsAsJsonFile", 400, 0)
            verify(editor.document.setWidgetValue(load, "json_file", sourceDir + "/tests/fixtures/pose/dwpose_body_128.json"))
            verify(editor.document.connectPorts(load, 1, node, "pose_kps"), editor.document.lastError)
            verify(editor.document.connectPorts(node, 1, save, "pose_kps"), editor.document.lastError)
            verify(pose.openFor(node), pose.lastError)
            compare(pose.canvasWidth, 512)  // no run yet: a standing person
            verify(!findItem(pose, "poseResetDetected").enabled)
            keyClick(Qt.Key_Escape)

            runFinished.clear()
            verify(editor.runner.run() > 0)
            runFinished.wait(60000)
            verify(runFinished.signalArguments[0][1], runFinished.signalArguments[0][2])
            canvas.fitAll()
            const button = findItem(canvas, "editPose_" + node)
            tryVerify(() => button.visible, 2000)
            mouseClick(button)
            verify(pose.visible, pose.lastError)
            compare(pose.canvasWidth, 160)
            compare(pose.canvasHeight, 120)
            compare(pose.frames[0].people.length, 2)
            verify(!pose.point(0, "pose_keypoints_2d", 0).shown)
            fuzzyCompare(pose.point(0, "pose_keypoints_2d", 3).x, 40.1667, 0.001)
            fuzzyCompare(pose.point(1, "pose_keypoints_2d", 3).y, 90.0417, 0.001)

            drag(40.1667, 20.125, 70, 30)
            near(pose.point(0, "pose_keypoints_2d", 3).x, 70)
            const reset = findItem(pose, "poseResetDetected")
            verify(reset.enabled)
            mouseClick(reset)
            compare(pose.lastError, "")
            fuzzyCompare(pose.point(0, "pose_keypoints_2d", 3).x, 40.1667, 0.001)
            keyClick(Qt.Key_Z, Qt.ControlModifier)  // the reset is one undo step
            near(pose.point(0, "pose_keypoints_2d", 3).x, 70)

            mouseClick(findItem(pose, "poseApplyButton"))
            const stored = JSON.parse(widgetOf(node, "pose_json"))
            compare(stored[0].canvas_width, 160)
            near(stored[0].people[0].pose_keypoints_2d[9], 70)
            // pose_json set: it wins over the detected keypoints; Reset still reaches them.
            verify(pose.openFor(node), pose.lastError)
            near(pose.point(0, "pose_keypoints_2d", 3).x, 70)
            verify(pose.resetToDetected())
            fuzzyCompare(pose.point(0, "pose_keypoints_2d", 3).x, 40.1667, 0.001)
            keyClick(Qt.Key_Escape)
        }

        // With TESSERA_SCREENSHOT_DIR set: two people over the example picture, for the docs.
        function test_screenshot() {
            if (testScreenshotDir === "") skip("TESSERA_SCREENSHOT_DIR is not set")
            const node = editor.document.addNode("PoseEditor", 0, 0)
            verify(pose.openFor(node), pose.lastError)
            pose.imageSource = "file://" + sourceDir + "/resources/examples/src/source.png"
            pose.addPerson()
            const body = pose.frames[0].people[1].pose_keypoints_2d
            for (let i = 0; i < body.length; i += 3) { body[i] = body[i] * 0.6 + 250; body[i + 1] = body[i + 1] * 0.6 + 150 }
            pose.frames[0].people[0].pose_keypoints_2d.forEach((v, i, a) => { if (i % 3 === 0) a[i] = v * 0.8 - 60 })
            pose.revision++
            drag(0.63 * 512 * 0.8 - 60, 0.55 * 512, 0.72 * 512 * 0.8 - 60, 0.3 * 512)  // raise the left wrist
            wait(300)
            grabImage(root).save(testScreenshotDir + "/pose-editor.png")
        }
    }
}
