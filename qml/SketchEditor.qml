import QtQuick
import QtQuick.Dialogs
import Tessera.Gui 1.0

// The sketch editor of a PaintedSketch node: a full-window page, hidden until openFor(), drawing
// with the mask brush engine (MaskCanvas: pressure, hardness, undo) on top of the faded picture
// that feeds the node (or a blank canvas). Black/white: the strokes show in the line colour and
// Apply saves them as the node's greyscale sketch PNG. Colour: each stroke keeps the colour it was
// painted in (swatches or the colour dialog) and Apply saves an RGBA sketch PNG. Either way Apply
// sets the node's file, line colour and background in one undo step. Keys: [ ] brush size,
// B brush, E or X eraser, Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, F fit, Esc cancel, Space held:
// the left button pans.
Rectangle {
    id: root
    visible: false
    color: Theme.window

    property var target: -1         // the PaintedSketch node
    property string imagePath       // the picture drawn over ("" = blank canvas)
    property string sketchFile
    property string sketchPath
    property string lineColor: "#ffffff"
    property string background: "black"  // the node's: "black", "white" or "image"
    property bool confirmingCancel: false
    property bool colourStrokes: false     // each stroke in its own colour (an RGBA sketch)
    property bool paintedInColour: false   // colours were painted (or opened): switching keeps them
    property string paintColor: "#ff3b30"  // the colour of the next stroke
    readonly property alias canvas: canvas
    readonly property alias colourDialog: colourDialog
    readonly property var swatches: ["#ffffff", "#000000", "#ff3b30", "#ffcc00", "#34c759", "#007aff"]
    readonly property var paintSwatches: ["#ffffff", "#000000", "#ff3b30", "#ff9500", "#ffcc00", "#34c759", "#007aff", "#af52de"]
    readonly property color backgroundColor: background === "white" ? "white" : "black"
    signal applied(var nodeId)

    // Opens on the node; false (with the reason in the document's lastError or canvas.lastError) when it cannot.
    function openFor(nodeId) {
        const state = editor.document.sketchState(nodeId)
        if (!state.sketchPath) return false
        target = nodeId
        imagePath = state.imagePath
        sketchFile = state.sketchFile
        sketchPath = state.sketchPath
        lineColor = state.lineColor || "#ffffff"
        background = state.background || "black"
        confirmingCancel = false
        colourStrokes = false  // a black/white sketch opens in its line colour
        visible = true
        const ok = imagePath ? canvas.load(imagePath, sketchPath) : canvas.loadBlank("black", 512, 512, sketchPath)
        colourStrokes = paintedInColour = canvas.colourFile
        canvas.forceActiveFocus()
        canvas.fitToView()
        return ok
    }
    // Into colour, a black/white sketch takes its line colour; back to black/white only the display changes.
    function setColourStrokes(on) {
        if (on === colourStrokes) return
        if (on && !paintedInColour) canvas.tintStrokes(lineColor)
        colourStrokes = on
        if (on) paintedInColour = true
    }
    function apply() {
        if (!(colourStrokes ? canvas.saveColourSketch(sketchPath) : canvas.saveMask(sketchPath))) return false
        if (!editor.document.applySketch(target, sketchFile, lineColor, background)) return false
        confirmingCancel = false
        visible = false
        applied(target)
        return true
    }
    // Drawn strokes are only dropped after a second Cancel (or Esc).
    function cancel() {
        if (canvas.modified && !confirmingCancel) { confirmingCancel = true; return }
        confirmingCancel = false
        visible = false
    }
    function resizeBrush(grow) {
        const r = canvas.brushRadius
        const next = grow ? Math.max(r + 1, r * 1.25) : Math.min(r - 1, r / 1.25)
        canvas.brushRadius = Math.max(0.5, Math.min(500, next))
    }
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
        else if (event.key === Qt.Key_Escape) action = cancel
        else if (!ctrl && event.key === Qt.Key_Space) action = () => { canvas.spacePan = true }
        if (action && run) action()
        return action !== null
    }
    Keys.onPressed: (event) => { event.accepted = root.handleKey(event, true) }
    Keys.onReleased: (event) => {
        if (event.key === Qt.Key_Space && !event.isAutoRepeat) { canvas.spacePan = false; event.accepted = true }
    }

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
            MaskButton { text: qsTr("Clear"); tip: qsTr("Remove every stroke"); onClicked: canvas.clear() }
            MaskButton { text: qsTr("Fit"); tip: "F"; onClicked: canvas.fitToView() }
        }
        Text {
            anchors.right: parent.right; anchors.rightMargin: panel.width + Theme.spacing
            anchors.verticalCenter: parent.verticalCenter
            text: qsTr("Sketch editor") + " — " + root.sketchFile
            color: Theme.textDim; font.pixelSize: Theme.fontSize
        }
    }

    Rectangle {
        id: canvasArea
        anchors.top: toolbar.bottom; anchors.bottom: parent.bottom
        anchors.left: parent.left; anchors.right: panel.left
        color: Theme.canvas
        clip: true

        MaskCanvas {
            id: canvas
            objectName: "sketchCanvas"
            anchors.fill: parent
            brushRadius: 4
            brushHardness: 0.9
            overlayColor: root.lineColor
            overlayOpacity: 1
            colourLayer: true
            showColours: root.colourStrokes
            brushColor: root.colourStrokes ? root.paintColor : root.lineColor
            fadeColor: root.backgroundColor
            // A blank canvas is shown entirely in the background colour.
            imageFade: !root.imagePath ? 1 : root.background === "image" ? 0.25 : 0.7
            Keys.onShortcutOverride: (event) => { event.accepted = root.handleKey(event, false) }
        }
        Item {
            readonly property real r: Math.max(1, canvas.brushRadius * canvas.zoom)
            visible: canvas.cursorInside && canvas.imageWidth > 0
            x: canvas.cursorX - r; y: canvas.cursorY - r
            width: 2 * r; height: 2 * r
            Rectangle { anchors.fill: parent; radius: width / 2; color: "transparent"; border.color: "#80808080"; border.width: 3 }
            Rectangle {
                anchors.fill: parent; anchors.margins: 1; radius: width / 2; color: "transparent"
                border.color: canvas.eraser ? "#ffb0b0" : canvas.brushColor; border.width: 1
            }
        }
        Rectangle {
            visible: root.confirmingCancel
            anchors.top: parent.top; anchors.horizontalCenter: parent.horizontalCenter; anchors.topMargin: 12
            width: confirmRow.implicitWidth + 24; height: 36; radius: Theme.radius
            color: Theme.panel; border.color: Theme.running
            Row {
                id: confirmRow
                anchors.centerIn: parent; spacing: 8
                Text { anchors.verticalCenter: parent.verticalCenter; text: qsTr("Discard the sketch?"); color: Theme.text; font.pixelSize: Theme.fontSize }
                MaskButton { text: qsTr("Discard"); onClicked: root.cancel() }
                MaskButton { text: qsTr("Keep drawing"); onClicked: root.confirmingCancel = false }
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

    Rectangle {
        id: panel
        anchors.top: parent.top; anchors.bottom: parent.bottom; anchors.right: parent.right
        width: 260
        color: Theme.panel
        Rectangle { width: 1; height: parent.height; color: Theme.panelBorder }
        component SectionTitle: Text { color: Theme.textDim; font.pixelSize: Theme.smallFont; font.bold: true; topPadding: 6 }
        Column {
            x: 12; y: Theme.spacing; width: panel.width - 24
            spacing: 6
            SectionTitle { text: qsTr("BRUSH") }
            NumberField { width: parent.width; label: qsTr("Size"); slider: true; minimum: 1; maximum: 200; value: Math.round(canvas.brushRadius * 2); onCommitted: (v) => canvas.brushRadius = v / 2 }
            NumberField { width: parent.width; label: qsTr("Hardness"); slider: true; isInt: false; minimum: 0; maximum: 1; value: canvas.brushHardness; onCommitted: (v) => canvas.brushHardness = v }
            NumberField { width: parent.width; label: qsTr("Opacity"); slider: true; isInt: false; minimum: 0.01; maximum: 1; value: canvas.brushOpacity; onCommitted: (v) => canvas.brushOpacity = v }
            MaskCheckBox { text: qsTr("Pen pressure changes the size"); checked: canvas.pressureSize; onToggled: (c) => canvas.pressureSize = c }
            MaskCheckBox { text: qsTr("Pen pressure changes the opacity"); checked: canvas.pressureOpacity; onToggled: (c) => canvas.pressureOpacity = c }
            SectionTitle { text: qsTr("STROKES") }
            Row {
                spacing: 4
                MaskButton { objectName: "sketchModeMono"; text: qsTr("Black/white"); checked: !root.colourStrokes; onClicked: root.setColourStrokes(false) }
                MaskButton { objectName: "sketchModeColour"; text: qsTr("Colour"); checked: root.colourStrokes; onClicked: root.setColourStrokes(true) }
            }
            SectionTitle { text: qsTr("BRUSH COLOUR"); visible: root.colourStrokes }
            Flow {
                visible: root.colourStrokes
                width: parent.width; spacing: 6
                Repeater {
                    model: root.paintSwatches
                    Rectangle {
                        required property string modelData
                        objectName: "paint_" + modelData
                        width: 22; height: 22; radius: 11
                        color: modelData
                        border.width: 2
                        border.color: Qt.colorEqual(root.paintColor, modelData) ? Theme.selection : Theme.fieldBorder
                        MouseArea { anchors.fill: parent; onClicked: root.paintColor = parent.modelData }
                    }
                }
                Rectangle {
                    width: 22; height: 22; radius: 4
                    color: root.paintColor
                    border.width: 2; border.color: Theme.selection
                }
                MaskButton { objectName: "pickColourButton"; text: qsTr("Pick…"); tip: qsTr("Any colour"); onClicked: { colourDialog.selectedColor = root.paintColor; colourDialog.open() } }
            }
            SectionTitle { text: qsTr("LINE COLOUR"); visible: !root.colourStrokes }
            Row {
                visible: !root.colourStrokes
                spacing: 6
                Repeater {
                    model: root.swatches
                    Rectangle {
                        required property string modelData
                        objectName: "swatch_" + modelData
                        width: 22; height: 22; radius: 11
                        color: modelData
                        border.width: 2
                        border.color: Qt.colorEqual(root.lineColor, modelData) ? Theme.selection : Theme.fieldBorder
                        MouseArea { anchors.fill: parent; onClicked: root.lineColor = parent.modelData }
                    }
                }
            }
            SectionTitle { text: qsTr("BACKGROUND") }
            Row {
                spacing: 4
                Repeater {
                    model: root.imagePath ? ["black", "white", "image"] : ["black", "white"]
                    MaskButton {
                        required property string modelData
                        text: modelData === "black" ? qsTr("Black") : modelData === "white" ? qsTr("White") : qsTr("Picture")
                        checked: root.background === modelData
                        onClicked: root.background = modelData
                    }
                }
            }
            NumberField { width: parent.width; label: qsTr("Fade the picture"); visible: root.imagePath !== ""; slider: true; isInt: false; minimum: 0; maximum: 1; value: canvas.imageFade; onCommitted: (v) => canvas.imageFade = v }
            Text {
                width: parent.width; wrapMode: Text.Wrap
                color: Theme.textDim; font.pixelSize: Theme.smallFont
                text: root.colourStrokes
                    ? qsTr("Each stroke keeps its colour (saved as an RGBA sketch): for colour-sketch ControlNets and image-to-image. Black/white shows and saves the strokes in one line colour.")
                    : qsTr("White lines on black suit scribble and lineart ControlNets; the picture is only shown faded to draw over, unless the background is the picture.")
            }
        }
        Row {
            anchors.right: parent.right; anchors.bottom: parent.bottom; anchors.margins: Theme.spacing
            spacing: Theme.spacing
            MaskButton { text: qsTr("Cancel"); tip: "Esc"; onClicked: root.cancel() }
            MaskButton { objectName: "sketchApplyButton"; text: qsTr("Apply"); primary: true; implicitWidth: 90; onClicked: root.apply() }
        }
    }

    ColorDialog {
        id: colourDialog
        title: qsTr("Brush colour")
        parentWindow: root.Window.window  // none is found when the editor is made before its window
        onAccepted: root.paintColor = selectedColor.toString()
    }
}
