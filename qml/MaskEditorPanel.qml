import QtQuick

// The mask editor's side panel: brush, overlay, the inpainting and outpainting options that feed
// the graph, and Apply / Cancel. `editor` is the MaskEditor; the options live in editor.options.
Rectangle {
    id: panel
    property var editor
    readonly property var canvas: editor.canvas
    readonly property var options: editor.options
    readonly property var methods: ["noise_mask", "vae_encode_for_inpaint", "inpaint_model"]
    readonly property var methodNames: [qsTr("Any checkpoint (noise mask)"), qsTr("VAE encode for inpaint"),
                                        qsTr("Inpainting checkpoint")]
    readonly property var swatches: ["#ff4040", "#40d060", "#4c8dff", "#ff40ff", "#ffffff"]
    color: Theme.panel
    Rectangle { width: 1; height: parent.height; color: Theme.panelBorder }

    component SectionTitle: Text {
        color: Theme.textDim; font.pixelSize: Theme.smallFont; font.bold: true
        topPadding: 6
    }
    component Field: NumberField { width: parent.width }
    component Pad: NumberField {
        property string key
        width: parent.width; minimum: 0; maximum: 1024; step: 8
        value: panel.options[key]
        onCommitted: (v) => panel.editor.setOption(key, Math.round(v / 8) * 8)
    }

    Flickable {
        anchors.fill: parent; anchors.bottomMargin: buttons.height + 2 * Theme.spacing
        contentHeight: column.implicitHeight + 2 * Theme.spacing
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        Column {
            id: column
            x: 12; y: Theme.spacing; width: panel.width - 24
            spacing: 6

            SectionTitle { text: qsTr("BRUSH") }
            Field { label: qsTr("Size"); slider: true; minimum: 1; maximum: 500; value: Math.round(panel.canvas.brushRadius * 2); onCommitted: (v) => panel.canvas.brushRadius = v / 2 }
            Field { label: qsTr("Hardness"); slider: true; isInt: false; minimum: 0; maximum: 1; value: panel.canvas.brushHardness; onCommitted: (v) => panel.canvas.brushHardness = v }
            Field { label: qsTr("Opacity"); slider: true; isInt: false; minimum: 0.01; maximum: 1; value: panel.canvas.brushOpacity; onCommitted: (v) => panel.canvas.brushOpacity = v }
            Field { label: qsTr("Flow"); slider: true; isInt: false; minimum: 0.01; maximum: 1; value: panel.canvas.brushFlow; onCommitted: (v) => panel.canvas.brushFlow = v }
            Row {
                spacing: 4
                MaskButton { text: qsTr("Brush"); checked: !panel.canvas.eraser; onClicked: panel.canvas.eraser = false }
                MaskButton { text: qsTr("Eraser"); checked: panel.canvas.eraser; onClicked: panel.canvas.eraser = true }
            }
            MaskCheckBox { text: qsTr("Pen pressure changes the size"); checked: panel.canvas.pressureSize; onToggled: (c) => panel.canvas.pressureSize = c }
            MaskCheckBox { text: qsTr("Pen pressure changes the opacity"); checked: panel.canvas.pressureOpacity; onToggled: (c) => panel.canvas.pressureOpacity = c }

            SectionTitle { text: qsTr("MASK OVERLAY") }
            Row {
                spacing: 6
                Repeater {
                    model: panel.swatches
                    Rectangle {
                        required property string modelData
                        width: 22; height: 22; radius: 11
                        color: modelData
                        border.width: 2
                        border.color: Qt.colorEqual(panel.canvas.overlayColor, modelData) ? Theme.selection : Theme.fieldBorder
                        MouseArea { anchors.fill: parent; onClicked: panel.canvas.overlayColor = parent.modelData }
                    }
                }
            }
            Field { label: qsTr("Overlay opacity"); slider: true; isInt: false; minimum: 0.05; maximum: 1; value: panel.canvas.overlayOpacity; onCommitted: (v) => panel.canvas.overlayOpacity = v }
            MaskCheckBox { text: qsTr("Show the mask (H)"); checked: panel.canvas.maskVisible; onToggled: (c) => panel.canvas.maskVisible = c }

            SectionTitle { text: qsTr("INPAINTING") }
            Text { text: qsTr("Method"); color: Theme.textDim; font.pixelSize: Theme.smallFont }
            ChoiceBox {
                id: methodBox
                width: parent.width
                focusPolicy: Qt.NoFocus  // the canvas keeps the keys
                contentItem: Text {
                    leftPadding: 12; verticalAlignment: Text.AlignVCenter; elide: Text.ElideRight
                    text: methodBox.displayText; color: Theme.text; font.pixelSize: Theme.smallFont
                }
                model: panel.methodNames
                value: panel.methodNames[panel.methods.indexOf(panel.options.method)]
                onChosen: (name) => panel.editor.setOption("method", panel.methods[panel.methodNames.indexOf(name)])
            }
            Field { label: qsTr("Grow / shrink"); slider: true; minimum: -64; maximum: 64; value: panel.options.grow; onCommitted: (v) => panel.editor.setOption("grow", v) }
            Field { label: qsTr("Feather"); slider: true; minimum: 0; maximum: 128; value: panel.options.feather; onCommitted: (v) => panel.editor.setOption("feather", v) }
            MaskCheckBox { objectName: "onlyMaskedBox"; text: qsTr("Inpaint only the masked area"); checked: panel.options.onlyMasked; onToggled: (c) => panel.editor.setOption("onlyMasked", c) }
            Field { label: qsTr("Padding"); enabled: panel.options.onlyMasked; opacity: enabled ? 1 : 0.5; minimum: 0; maximum: 512; step: 8; value: panel.options.padding; onCommitted: (v) => panel.editor.setOption("padding", v) }
            Field { label: qsTr("Processing size"); enabled: panel.options.onlyMasked; opacity: enabled ? 1 : 0.5; minimum: 256; maximum: 2048; step: 64; value: panel.options.targetSize; onCommitted: (v) => panel.editor.setOption("targetSize", v) }

            SectionTitle { text: qsTr("OUTPAINTING") }
            Pad { label: qsTr("Left"); key: "padLeft" }
            Pad { label: qsTr("Top"); key: "padTop" }
            Pad { label: qsTr("Right"); key: "padRight" }
            Pad { label: qsTr("Bottom"); key: "padBottom" }
            Field { label: qsTr("Feather"); minimum: 0; maximum: 256; step: 8; value: panel.options.outpaintFeather; onCommitted: (v) => panel.editor.setOption("outpaintFeather", v) }
        }
    }

    Row {
        id: buttons
        anchors.right: parent.right; anchors.bottom: parent.bottom; anchors.margins: Theme.spacing
        spacing: Theme.spacing
        MaskButton { text: qsTr("Cancel"); tip: "Esc"; onClicked: panel.editor.cancel() }
        MaskButton { objectName: "applyButton"; text: qsTr("Apply"); primary: true; implicitWidth: 90; onClicked: panel.editor.apply() }
    }
}
