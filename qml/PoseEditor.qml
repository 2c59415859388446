import QtQuick

// The pose editor of a PoseEditor node: a full-window page, hidden until openFor(), showing the
// node's keypoints (OpenPose JSON: its pose_json widget; when that is empty, the keypoints that
// reached its pose_kps input in the last run (editor.poses); else a standing person) as OpenPose
// skeletons over the faded picture that feeds the node's `image`. Drag a joint (body, hand or face
// point) to move it; Add person / Remove person; Paste JSON takes OpenPose JSON (a saved DWPose
// result) from the clipboard; Reset to detected goes back to the last run's keypoints; Apply stores the edited keypoints in pose_json
// in one undo step of the graph. Keys: Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, Delete removes
// the person of the chosen joint, Esc cancels.
Rectangle {
    id: root
    visible: false
    color: Theme.window

    property var target: -1
    property string imageSource      // the picture under the skeleton ("" = none)
    property var frames: []          // OpenPose JSON frames; the first is edited
    property int canvasWidth: 512
    property int canvasHeight: 512
    property var chosen: null        // {person, part, index} of the joint last pressed
    property var undoStack: []
    property var redoStack: []
    property int revision: 0         // bumped on every change, to repaint
    readonly property var bodyParts: ["pose_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d", "face_keypoints_2d"]
    readonly property real hitRadius: 10  // screen pixels
    readonly property alias view: view
    signal applied(var nodeId)

    // The OpenPose limb pairs (0-based) and colours, as the pack draws them.
    readonly property var limbs: [[1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [1, 8], [8, 9], [9, 10], [1, 11],
        [11, 12], [12, 13], [1, 0], [0, 14], [14, 16], [0, 15], [15, 17]]
    readonly property var colours: ["#ff0000", "#ff5500", "#ffaa00", "#ffff00", "#aaff00", "#55ff00", "#00ff00",
        "#00ff55", "#00ffaa", "#00ffff", "#00aaff", "#0055ff", "#0000ff", "#5500ff", "#aa00ff", "#ff00ff", "#ff00aa", "#ff0055"]
    // A standing person in 0..1 of the canvas (OpenPose's 18 points).
    readonly property var standing: [[0.5, 0.18], [0.5, 0.28], [0.42, 0.28], [0.39, 0.42], [0.37, 0.55], [0.58, 0.28],
        [0.61, 0.42], [0.63, 0.55], [0.45, 0.55], [0.45, 0.72], [0.45, 0.9], [0.55, 0.55], [0.55, 0.72], [0.55, 0.9],
        [0.48, 0.16], [0.52, 0.16], [0.46, 0.17], [0.54, 0.17]]

    function widgetOf(node, name) {
        const row = editor.nodes.rowOf(node)
        if (row < 0) return undefined
        const inputs = editor.nodes.get(row).inputs
        for (let i = 0; i < inputs.length; ++i) if (inputs[i].name === name) return inputs[i].value
        return undefined
    }
    // The preview of whatever feeds the node's `image`.
    function pictureFor(node) {
        for (let i = 0; i < editor.links.count; ++i) {
            const l = editor.links.get(i)
            if (l.toNode !== node || l.toInput !== "image") continue
            const row = editor.nodes.rowOf(l.fromNode)
            return row < 0 ? "" : (editor.nodes.get(row).preview || "")
        }
        return ""
    }
    function newPerson() {
        const body = []
        for (const p of standing) body.push(p[0] * canvasWidth, p[1] * canvasHeight, 1.0)
        return {pose_keypoints_2d: body, face_keypoints_2d: null, hand_left_keypoints_2d: null, hand_right_keypoints_2d: null}
    }
    // Opens on the node; false (with the reason in lastError) when it cannot.
    property string lastError
    function openFor(nodeId) {
        const text = widgetOf(nodeId, "pose_json")
        if (text === undefined) { lastError = qsTr("#%1 is not a Pose Editor node").arg(nodeId); return false }
        let parsed = []
        if (text !== "") {
            try { parsed = JSON.parse(text) } catch (e) { lastError = qsTr("pose_json is not JSON: %1").arg(e.message); return false }
            if (!Array.isArray(parsed)) parsed = [parsed]
        } else {
            const detected = editor.poses.arrivingAt(nodeId, "pose_kps")
            if (detected !== "") parsed = JSON.parse(detected)  // written by the engine: a frame list
        }
        target = nodeId
        imageSource = pictureFor(nodeId)
        return openWith(parsed)
    }
    function openWith(parsedFrames) {
        chosen = null
        frames = parsedFrames.length ? parsedFrames : [{people: [], canvas_height: 512, canvas_width: 512}]
        canvasWidth = frames[0].canvas_width || 512
        canvasHeight = frames[0].canvas_height || 512
        if (!frames[0].people || frames[0].people.length === 0) frames[0].people = [newPerson()]
        undoStack = []; redoStack = []; chosen = null; lastError = ""
        visible = true
        view.forceActiveFocus()
        revision++
        return true
    }
    function poseJson() { return JSON.stringify(frames) }
    function apply() {
        if (!editor.document.setWidgetValue(target, "pose_json", poseJson())) { lastError = editor.document.lastError; return false }
        visible = false
        applied(target)
        return true
    }
    function cancel() { visible = false }

    // ---- edits (each undoable) ----
    function remember() { undoStack.push(poseJson()); redoStack = [] }
    function restore(from, to) {
        if (!from.length) return
        to.push(poseJson())
        chosen = null
        frames = JSON.parse(from.pop())
        canvasWidth = frames[0].canvas_width || 512
        canvasHeight = frames[0].canvas_height || 512
        revision++
    }
    function undo() { restore(undoStack, redoStack) }
    function redo() { restore(redoStack, undoStack) }
    function point(person, part, index) {
        const people = frames.length ? frames[0].people : []
        const values = person < people.length ? people[person][part] : null
        if (!values || 3 * index + 2 >= values.length) return {x: 0, y: 0, shown: false}
        return {x: values[3 * index], y: values[3 * index + 1], shown: values[3 * index + 2] >= 1}
    }
    function movePoint(person, part, index, x, y) {
        const values = frames[0].people[person][part]
        values[3 * index] = Math.max(0, Math.min(canvasWidth, x))
        values[3 * index + 1] = Math.max(0, Math.min(canvasHeight, y))
        revision++
    }
    // OpenPose JSON from the clipboard (a frame list or one frame, e.g. a saved DWPose result) replaces the pose.
    function pasteJson(text) {
        let parsed
        try { parsed = JSON.parse(text) } catch (e) { lastError = qsTr("The clipboard holds no OpenPose JSON"); return false }
        return replaceFrames(parsed, qsTr("The clipboard's JSON"))
    }
    // The keypoints that reached the node's pose_kps input in the last run ("" when none did).
    function detectedJson() { return target === -1 ? "" : editor.poses.arrivingAt(target, "pose_kps") }
    // Back to the last run's keypoints (undoable), dropping the edits.
    function resetToDetected() {
        const text = detectedJson()
        if (text === "") { lastError = qsTr("No keypoints reached pose_kps in the last run: run the graph first"); return false }
        return replaceFrames(JSON.parse(text), qsTr("The detected pose"))
    }
    function replaceFrames(parsed, what) {
        if (!Array.isArray(parsed)) parsed = [parsed]
        if (!parsed.length || !parsed[0].canvas_width || !parsed[0].canvas_height || !Array.isArray(parsed[0].people)) {
            lastError = qsTr("%1 has no canvas_width, canvas_height and people").arg(what); return false
        }
        remember()
        chosen = null
        frames = parsed
        canvasWidth = frames[0].canvas_width
        canvasHeight = frames[0].canvas_height
        lastError = ""
        revision++
        return true
    }
    function addPerson() { remember(); frames[0].people.push(newPerson()); revision++ }
    function removePerson(person) {
        if (person < 0 || person >= frames[0].people.length) return
        remember()
        frames[0].people.splice(person, 1)
        chosen = null
        revision++
    }
    // The joint nearest to a point of the view within hitRadius (body before hands and face), or null.
    function jointAt(vx, vy) {
        let best = null, bestDistance = hitRadius
        const people = frames.length ? frames[0].people : []
        for (let partIndex = 0; partIndex < bodyParts.length; ++partIndex) {
            for (let p = 0; p < people.length; ++p) {
                const values = people[p][bodyParts[partIndex]]
                if (!values) continue
                for (let i = 0; 3 * i + 2 < values.length; ++i) {
                    if (values[3 * i + 2] < 1) continue
                    const v = toView(values[3 * i], values[3 * i + 1])
                    const d = Math.hypot(v.x - vx, v.y - vy)
                    if (d < bestDistance) { bestDistance = d; best = {person: p, part: bodyParts[partIndex], index: i} }
                }
            }
            if (best) return best
        }
        return best
    }
    // Canvas pixels <-> view coordinates (the canvas fitted into the view, centred).
    readonly property real fit: Math.min(view.width / Math.max(1, canvasWidth), view.height / Math.max(1, canvasHeight))
    function toView(x, y) { return Qt.point(view.offsetX + x * fit, view.offsetY + y * fit) }
    function fromView(vx, vy) { return Qt.point((vx - view.offsetX) / fit, (vy - view.offsetY) / fit) }

    function handleKey(event) {
        const ctrl = event.modifiers & Qt.ControlModifier
        const shift = event.modifiers & Qt.ShiftModifier
        if (ctrl && event.key === Qt.Key_Z) { shift ? redo() : undo(); return true }
        if (ctrl && event.key === Qt.Key_Y) { redo(); return true }
        if (event.key === Qt.Key_Delete && chosen) { removePerson(chosen.person); return true }
        if (event.key === Qt.Key_Escape) { cancel(); return true }
        return false
    }

    Rectangle {
        id: toolbar
        width: parent.width; height: 40
        color: Theme.panel
        Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.panelBorder }
        Row {
            anchors.left: parent.left; anchors.leftMargin: Theme.spacing; anchors.verticalCenter: parent.verticalCenter
            spacing: 4
            MaskButton { text: "↶"; tip: qsTr("Undo (Ctrl+Z)"); enabled: root.revision >= 0 && root.undoStack.length > 0; onClicked: root.undo() }
            MaskButton { text: "↷"; tip: qsTr("Redo (Ctrl+Shift+Z)"); enabled: root.revision >= 0 && root.redoStack.length > 0; onClicked: root.redo() }
            Item { width: 10; height: 1 }
            MaskButton { objectName: "poseAddPerson"; text: qsTr("Add person"); onClicked: root.addPerson() }
            MaskButton { objectName: "posePasteJson"; text: qsTr("Paste JSON"); tip: qsTr("OpenPose JSON from the clipboard, e.g. a saved DWPose result"); onClicked: root.pasteJson(gui.clipboardText()) }
            MaskButton { text: qsTr("Copy JSON"); tip: qsTr("The pose as OpenPose JSON"); onClicked: gui.setClipboardText(root.poseJson()) }
            MaskButton {
                objectName: "poseResetDetected"; text: qsTr("Reset to detected")
                tip: qsTr("The keypoints that reached pose_kps in the last run")
                enabled: root.visible && root.revision >= 0 && editor.poses.revision >= 0 && root.detectedJson() !== ""
                onClicked: root.resetToDetected()
            }
            MaskButton {
                objectName: "poseRemovePerson"; text: qsTr("Remove person"); tip: "Delete"
                enabled: root.chosen !== null; onClicked: root.removePerson(root.chosen.person)
            }
        }
        Text {
            anchors.right: parent.right; anchors.rightMargin: Theme.spacing + 200
            anchors.verticalCenter: parent.verticalCenter
            text: qsTr("Pose editor") + " — " + root.canvasWidth + " × " + root.canvasHeight + " px"
            color: Theme.textDim; font.pixelSize: Theme.fontSize
        }
        Row {
            anchors.right: parent.right; anchors.rightMargin: Theme.spacing; anchors.verticalCenter: parent.verticalCenter
            spacing: Theme.spacing
            MaskButton { text: qsTr("Cancel"); tip: "Esc"; onClicked: root.cancel() }
            MaskButton { objectName: "poseApplyButton"; text: qsTr("Apply"); primary: true; implicitWidth: 90; onClicked: root.apply() }
        }
    }

    Rectangle {
        anchors.top: toolbar.bottom; anchors.bottom: parent.bottom; anchors.left: parent.left; anchors.right: parent.right
        color: Theme.canvas
        clip: true

        Item {
            id: view
            objectName: "poseView"
            anchors.fill: parent; anchors.margins: 16
            readonly property real offsetX: (width - root.canvasWidth * root.fit) / 2
            readonly property real offsetY: (height - root.canvasHeight * root.fit) / 2
            focus: true
            Keys.onPressed: (event) => { event.accepted = root.handleKey(event) }

            Rectangle {  // the canvas: black, as the ControlNet sees it, with the picture faded in
                x: view.offsetX; y: view.offsetY
                width: root.canvasWidth * root.fit; height: root.canvasHeight * root.fit
                color: "black"
                Image { anchors.fill: parent; source: root.imageSource; opacity: 0.35; fillMode: Image.Stretch; visible: root.imageSource !== "" }
            }
            Canvas {
                id: skeleton
                anchors.fill: parent
                property int revision: root.revision
                onRevisionChanged: requestPaint()
                onWidthChanged: requestPaint()
                onHeightChanged: requestPaint()
                onPaint: {
                    const ctx = getContext("2d")
                    ctx.reset()
                    if (!root.frames.length) return
                    const people = root.frames[0].people || []
                    for (let p = 0; p < people.length; ++p) {
                        const body = people[p].pose_keypoints_2d || []
                        const at = (i) => body[3 * i + 2] >= 1 ? root.toView(body[3 * i], body[3 * i + 1]) : null
                        ctx.lineWidth = Math.max(2, 8 * root.fit)
                        ctx.lineCap = "round"
                        ctx.globalAlpha = 0.6  // limbs in 60% of the colour, as the pack draws them
                        for (let l = 0; l < root.limbs.length; ++l) {
                            const a = at(root.limbs[l][0]), b = at(root.limbs[l][1])
                            if (!a || !b) continue
                            ctx.strokeStyle = root.colours[l]
                            ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke()
                        }
                        ctx.globalAlpha = 1
                        const dots = (values, colour, radius) => {
                            if (!values) return
                            for (let i = 0; 3 * i + 2 < values.length; ++i) {
                                if (values[3 * i + 2] < 1) continue
                                const v = root.toView(values[3 * i], values[3 * i + 1])
                                ctx.fillStyle = typeof colour === "function" ? colour(i) : colour
                                ctx.beginPath(); ctx.arc(v.x, v.y, radius, 0, 2 * Math.PI); ctx.fill()
                            }
                        }
                        dots(body, (i) => root.colours[i % root.colours.length], 6)
                        dots(people[p].hand_left_keypoints_2d, "#0000ff", 4)
                        dots(people[p].hand_right_keypoints_2d, "#0000ff", 4)
                        dots(people[p].face_keypoints_2d, "#ffffff", 3)
                    }
                    if (root.chosen) {
                        const c = root.point(root.chosen.person, root.chosen.part, root.chosen.index)
                        const v = root.toView(c.x, c.y)
                        ctx.strokeStyle = Theme.selection; ctx.lineWidth = 2
                        ctx.beginPath(); ctx.arc(v.x, v.y, root.hitRadius, 0, 2 * Math.PI); ctx.stroke()
                    }
                }
            }
            MouseArea {
                id: dragArea
                objectName: "poseDragArea"
                anchors.fill: parent
                property var dragging: null  // the joint, where it was and where the press was
                onPressed: (mouse) => {
                    view.forceActiveFocus()
                    const joint = root.jointAt(mouse.x, mouse.y)
                    root.chosen = joint
                    if (joint) {
                        root.remember()
                        const p = root.point(joint.person, joint.part, joint.index)
                        dragging = {joint: joint, x: p.x, y: p.y, pressX: mouse.x, pressY: mouse.y}
                    }
                    root.revision++
                }
                onPositionChanged: (mouse) => {  // the joint follows the pointer from where it was grabbed
                    if (!dragging) return
                    const j = dragging.joint
                    root.movePoint(j.person, j.part, j.index, dragging.x + (mouse.x - dragging.pressX) / root.fit,
                                   dragging.y + (mouse.y - dragging.pressY) / root.fit)
                }
                onReleased: dragging = null
            }
        }
        Text {
            anchors.left: parent.left; anchors.bottom: parent.bottom; anchors.margins: Theme.spacing
            text: root.lastError !== "" ? root.lastError
                : root.chosen ? qsTr("person %1, %2 point %3: %4, %5").arg(root.chosen.person + 1).arg(root.chosen.part.replace("_keypoints_2d", ""))
                    .arg(root.chosen.index).arg(Math.round(root.point(root.chosen.person, root.chosen.part, root.chosen.index).x))
                    .arg(Math.round(root.point(root.chosen.person, root.chosen.part, root.chosen.index).y))
                : qsTr("Drag a joint to move it")
            color: root.lastError !== "" ? Theme.error : Theme.textDim
            font.pixelSize: Theme.smallFont
        }
    }
}
