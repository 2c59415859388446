import QtQuick
import Tessera.Gui 1.0

// The inpainting mask editor: a full-window page, hidden until open(), with the image and the
// mask painted over it (MaskCanvas), a toolbar, the brush and inpainting options (MaskEditorPanel)
// and Apply / Cancel. Apply saves the mask to maskPath and emits applied(options).
// Keys: [ ] brush size, B brush, E or X eraser, Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, F fit,
// H show/hide the mask, Esc cancel, Space held: the left button pans. The canvas claims these keys before the window's shortcuts.
Rectangle {
    id: root
    visible: false
    color: Theme.window

    // The options that feed the inpainting graph (InpaintOptions in app/editor/inpaint_setup.h).
    readonly property var defaultOptions: ({
        method: "noise_mask", grow: 0, feather: 0, onlyMasked: false, padding: 32, targetSize: 512,
        padLeft: 0, padTop: 0, padRight: 0, padBottom: 0, outpaintFeather: 40
    })
    property var options: Object.assign({}, defaultOptions)
    property string imagePath
    property string maskPath
    property bool confirmingCancel: false
    readonly property alias canvas: canvas
    readonly property alias panel: panel
    signal applied(var options)
    signal cancelled()

    // Shows the editor on `imagePath` with the mask at `maskPath` (a new empty mask when there is no
    // file yet). `options` keys missing keep their defaults; keys it has that the editor does not
    // show (denoise...) are handed back unchanged by applied(). Returns false when loading failed.
    function open(imagePath, maskPath, options) {
        root.imagePath = imagePath
        root.maskPath = maskPath
        root.options = Object.assign({}, defaultOptions, options || {})
        confirmingCancel = false
        visible = true
        const ok = canvas.load(imagePath, maskPath)
        canvas.forceActiveFocus()
        canvas.fitToView()
        return ok
    }
    function setOption(key, value) {
        const o = Object.assign({}, options)
        o[key] = value
        options = o
    }
    function apply() {
        if (!canvas.saveMask(maskPath)) return false
        confirmingCancel = false
        visible = false
        applied(Object.assign({}, options))
        return true
    }
    // A painted mask is only dropped after a second Cancel (or Esc), so one stray key loses nothing.
    function cancel() {
        if (canvas.modified && !confirmingCancel) { confirmingCancel = true; return }
        confirmingCancel = false
        visible = false
        cancelled()
    }
    function resizeBrush(grow) {
        const r = canvas.brushRadius
        const next = grow ? Math.max(r + 1, r * 1.25) : Math.min(r - 1, r / 1.25)
        canvas.brushRadius = Math.round(Math.max(1, Math.min(1000, next)))
    }
    // Runs (when `run`) the action of a key event; returns whether the key is one of the editor's.
    function handleKey(event, run) {
        const ctrl = event.modifiers & Qt.ControlModifier
        const shift = event.modifiers & Qt.ShiftModifier
        let action = null
        if (ctrl && event.key === Qt.Key_Z) action = shift ? canvas.redo : canvas.undo
        else if (ctrl && event.key === Qt.Key_Y) action = canvas.redo
        else if (!ctrl && (event.key === Qt.Key_BracketLeft || event.text === "[")) action = () => resizeBrush(false)
        else if (!ctrl && (event.key === Qt.Key_BracketRight || event.text === "]")) action = () => resizeBrush(true)
        else if (!ctrl && event.key === Qt.Key_B) action = () => { canvas.eraser = false }
        else if (!ctrl && (event.key === Qt.Key_E || event.key === Qt.Key_X)) action = () => { canvas.eraser = !canvas.eraser }
        else if (!ctrl && event.key === Qt.Key_F) action = canvas.fitToView
        else if (!ctrl && event.key === Qt.Key_H) action = () => { canvas.maskVisible = !canvas.maskVisible }
        else if (event.key === Qt.Key_Escape) action = cancel
        else if (!ctrl && event.key === Qt.Key_Space) action = () => { canvas.spacePan = true }
        if (action && run) action()
        return action !== null
    }
    Keys.onPressed: (event) => { event.accepted = root.handleKey(event, true) }
    Keys.onReleased: (event) => {
        if (event.key === Qt.Key_Space && !event.isAutoRepeat) { canvas.spacePan = false; event.accepted = true }
    }

    // ---- toolbar ----
    Rectangle {
        id: toolbar
        width: parent.width; height: 40
        color: Theme.panel
        Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.panelBorder }
        Row {
            anchors.left: parent.left; anchors.leftMargin: Theme.spacing; anchors.verticalCenter: parent.verticalCenter
            spacing: 4
            MaskButton { text: qsTr("Brush"); tip: "B"; checked: !canvas.eraser; onClicked: canvas.eraser = false }
            MaskButton { text: qsTr("Eraser"); tip: "E"; checked: canvas.eraser; onClicked: canvas.eraser = true }
            Item { width: 10; height: 1 }
            MaskButton { text: "↶"; tip: qsTr("Undo (Ctrl+Z)"); enabled: canvas.canUndo; onClicked: canvas.undo() }
            MaskButton { text: "↷"; tip: qsTr("Redo (Ctrl+Shift+Z)"); enabled: canvas.canRedo; onClicked: canvas.redo() }
            Item { width: 10; height: 1 }
            MaskButton { text: qsTr("Fill"); tip: qsTr("Mask the whole image"); onClicked: canvas.fill() }
            MaskButton { text: qsTr("Clear"); tip: qsTr("Empty the mask"); onClicked: canvas.clear() }
            MaskButton { text: qsTr("Invert"); onClicked: canvas.invert() }
            Item { width: 10; height: 1 }
            MaskButton { text: qsTr("Show mask"); tip: "H"; checkable: true; checked: canvas.maskVisible; onClicked: canvas.maskVisible = checked }
            MaskButton { text: qsTr("Fit"); tip: "F"; onClicked: canvas.fitToView() }
        }
        Text {
            anchors.right: parent.right; anchors.rightMargin: panel.width + Theme.spacing
            anchors.verticalCenter: parent.verticalCenter
            text: qsTr("Mask editor") + (root.imagePath ? " — " + root.imagePath.substring(root.imagePath.lastIndexOf("/") + 1) : "")
            color: Theme.textDim; font.pixelSize: Theme.fontSize
        }
    }

    // ---- canvas ----
    Rectangle {
        id: canvasArea
        anchors.top: toolbar.bottom; anchors.bottom: parent.bottom
        anchors.left: parent.left; anchors.right: panel.left
        color: Theme.canvas
        clip: true

        MaskCanvas {
            id: canvas
            anchors.fill: parent
            brushRadius: 32
            Keys.onShortcutOverride: (event) => { event.accepted = root.handleKey(event, false) }
        }
        Item {
            id: brushOutline
            readonly property real r: Math.max(1, canvas.brushRadius * canvas.zoom)
            visible: canvas.cursorInside && canvas.imageWidth > 0
            x: canvas.cursorX - r; y: canvas.cursorY - r
            width: 2 * r; height: 2 * r
            Rectangle { anchors.fill: parent; radius: width / 2; color: "transparent"; border.color: "#80000000"; border.width: 3 }
            Rectangle {
                anchors.fill: parent; anchors.margins: 1; radius: width / 2; color: "transparent"
                border.color: canvas.eraser ? "#ffb0b0" : "white"; border.width: 1
            }
        }
        Rectangle {
            id: confirmBar
            visible: root.confirmingCancel
            anchors.top: parent.top; anchors.horizontalCenter: parent.horizontalCenter; anchors.topMargin: 12
            width: confirmRow.implicitWidth + 24; height: 36; radius: Theme.radius
            color: Theme.panel; border.color: Theme.running
            Row {
                id: confirmRow
                anchors.centerIn: parent; spacing: 8
                Text { anchors.verticalCenter: parent.verticalCenter; text: qsTr("Discard the painted mask?"); color: Theme.text; font.pixelSize: Theme.fontSize }
                MaskButton { text: qsTr("Discard"); onClicked: root.cancel() }
                MaskButton { text: qsTr("Keep painting"); onClicked: root.confirmingCancel = false }
            }
        }
        Text {
            anchors.left: parent.left; anchors.bottom: parent.bottom; anchors.margins: Theme.spacing
            text: canvas.lastError !== "" ? canvas.lastError
                : canvas.imageWidth > 0 ? qsTr("%1 × %2 px   %3%   brush %4 px")
                    .arg(canvas.imageWidth).arg(canvas.imageHeight).arg(Math.round(canvas.zoom * 100)).arg(Math.round(canvas.brushRadius * 2))
                : ""
            color: canvas.lastError !== "" ? Theme.error : Theme.textDim
            font.pixelSize: Theme.smallFont
            width: parent.width - 2 * Theme.spacing; wrapMode: Text.Wrap
        }
    }

    MaskEditorPanel {
        id: panel
        editor: root
        anchors.top: parent.top; anchors.bottom: parent.bottom; anchors.right: parent.right
        width: 280
    }
}
