import QtQuick
import QtQuick.Controls.Basic

// One node on the canvas (a delegate of the canvas' VisibleNodesModel, so only nodes near the
// view have one, and none at low detail): title bar in its category colour, input ports left and
// outputs right (one row each, the rows LinkLayer draws links to), widgets below, then the live
// preview / output images. Shows run state, errors, bypass and mute.
Item {
    id: node
    property var canvas
    readonly property var nid: model.nodeId
    readonly property bool collapsed: model.collapsed
    readonly property var outputs: model.outputs
    readonly property var shownInputs: model.inputs.filter(i => !i.isWidget || i.asInput)
    readonly property var widgetInputs: model.inputs.filter(i => i.isWidget && !i.asInput)
    readonly property int portRows: Math.max(shownInputs.length, outputs.length)
    readonly property bool detailed: !canvas || canvas.detailed
    readonly property string state_: model.state

    x: model.x
    y: model.y
    width: collapsed ? gui.collapsedWidth : (model.width > 0 ? model.width : gui.defaultNodeWidth)
    height: collapsed ? gui.headerHeight : body.height
    opacity: model.muted ? 0.45 : 1
    objectName: "node_" + nid
    // While the view pans or zooms each node is a cached texture, so a frame composites quads
    // instead of re-rasterising every node's text; at rest nodes are drawn crisp at any zoom.
    layer.enabled: canvas ? canvas.moving : false
    layer.smooth: true

    // Selection / state outline.
    Rectangle {
        anchors.fill: frame
        anchors.margins: -3
        radius: Theme.radius + 3
        color: "transparent"
        border.width: 2
        border.color: node.state_ === "failed" ? Theme.error : model.selected ? Theme.selection : Theme.stateColor(node.state_)
        visible: model.selected || (node.state_ !== "idle" && node.state_ !== "")
    }
    Rectangle {
        id: frame
        anchors.fill: parent
        radius: Theme.radius
        color: Theme.node
        border.color: Theme.nodeBorder
    }

    Column {
        id: body
        width: parent.width
        Item { width: 1; height: gui.headerHeight + node.portRows * gui.rowHeight }
        Column {
            id: widgetColumn
            visible: !node.collapsed
            x: 10; width: parent.width - 20
            Repeater {
                // A count, not the array: editing a value must not recreate the widget being dragged.
                model: node.detailed && !node.collapsed ? node.widgetInputs.length : 0
                WidgetEditor { width: widgetColumn.width; input: node.widgetInputs[index] || ({}); nodeId: node.nid }
            }
            Item { // keeps the node's height when widgets are hidden at low zoom
                width: 1
                height: node.detailed ? 0 : node.widgetInputs.reduce((h, w) => h + (w.multiline ? gui.multilineHeight : (w.controlAfterGenerate ? 2 : 1) * gui.rowHeight), 0)
            }
        }
        // Parts most nodes never show are loaded when they do (fewer items per node on big graphs).
        Loader {
            active: !node.collapsed && (model.preview !== "" || model.outputImages.length > 0)
            visible: active
            width: parent.width; height: active ? width - 8 : 0
            sourceComponent: Image {
                objectName: "nodePreview"
                anchors.fill: parent; anchors.margins: 8
                fillMode: Image.PreserveAspectFit
                cache: false
                source: model.outputImages.length > 0 ? model.outputImages[model.outputImages.length - 1] : model.preview
                smooth: true
                TapHandler {  // an output image opens in the window's image viewer
                    enabled: model.outputImages.length > 0
                    onDoubleTapped: {
                        const w = ApplicationWindow.window
                        if (w && w.showImage) w.showImage(parent.source.toString())
                    }
                }
                HoverHandler { id: imageHover }
                Rectangle {  // an output image: inpaint it (new or updated inpainting graph)
                    visible: model.outputImages.length > 0 && (imageHover.hovered || inpaintMouse.containsMouse)
                    anchors.right: parent.right; anchors.top: parent.top; anchors.margins: 6
                    width: inpaintLabel.implicitWidth + 14; height: 20; radius: 10
                    color: inpaintMouse.containsMouse ? Theme.accent : Theme.panel
                    border.color: Theme.panelBorder
                    Text { id: inpaintLabel; anchors.centerIn: parent; text: qsTr("Inpaint…"); color: Theme.text; font.pixelSize: 10; font.bold: true }
                    MouseArea {
                        id: inpaintMouse
                        anchors.fill: parent; hoverEnabled: true
                        onClicked: node.canvas.inpaintImageRequested(model.outputImages[model.outputImages.length - 1])
                    }
                }
            }
        }
        Loader {  // a type ComfyUI deprecated: offer the node that replaces it
            readonly property string successor: editor.document.successorName(node.nid)
            active: successor !== "" && !node.collapsed
            visible: active
            x: 10; width: parent.width - 20; height: active ? 24 : 0
            objectName: "replaceWithSuccessor_" + node.nid
            sourceComponent: Rectangle {
                radius: 4
                color: replaceMouse.containsMouse ? Theme.accent : Theme.field
                border.color: Theme.panelBorder
                Text {
                    anchors.fill: parent; anchors.leftMargin: 8; anchors.rightMargin: 8
                    verticalAlignment: Text.AlignVCenter; elide: Text.ElideRight
                    text: qsTr("Deprecated · Replace with %1").arg(parent.parent.successor)
                    color: Theme.text; font.pixelSize: 10; font.bold: true
                }
                MouseArea {
                    id: replaceMouse
                    anchors.fill: parent; hoverEnabled: true
                    onClicked: editor.document.replaceWithSuccessor(node.nid)
                }
                ToolTip.visible: replaceMouse.containsMouse; ToolTip.delay: 600
                ToolTip.text: qsTr("ComfyUI deprecated this node. Swap it for %1, keeping its links and values (undoable).").arg(parent.successor)
            }
        }
        Text {
            visible: !node.collapsed && model.note !== ""
            width: parent.width - 20; x: 10
            text: model.note; wrapMode: Text.Wrap
            color: Theme.noteText; font.pixelSize: Theme.smallFont; font.italic: true
        }
        Item { width: 1; height: gui.bottomPadding; visible: !node.collapsed }
    }

    // Title bar.
    Rectangle {
        id: header
        width: parent.width; height: gui.headerHeight
        radius: Theme.radius
        color: model.unknownType ? Theme.unknownNode : Theme.categoryColor(model.category)
        Rectangle { // square bottom corners
            visible: !node.collapsed
            width: parent.width; height: parent.radius; anchors.bottom: parent.bottom; color: parent.color
        }
        Text {
            text: node.collapsed ? "▸" : "▾"
            color: Theme.textDim; font.pixelSize: 12
            x: 8; anchors.verticalCenter: parent.verticalCenter
            MouseArea { anchors.fill: parent; anchors.margins: -4; onClicked: editor.document.setCollapsed(node.nid, !node.collapsed) }
        }
        Text {
            id: titleText
            x: 24; width: parent.width - x - badge.width - maskButton.width - 12
            anchors.verticalCenter: parent.verticalCenter
            text: model.title; elide: Text.ElideRight
            color: Theme.text; font.pixelSize: Theme.titleFont; font.bold: true
            visible: !renamer.active
        }
        Loader {  // the title's editor, while renaming
            id: renamer
            active: false
            x: 20; width: parent.width - 30; height: parent.height - 6; anchors.verticalCenter: parent.verticalCenter
            sourceComponent: TextField {
                objectName: "titleEditor"
                text: model.title
                font.pixelSize: Theme.titleFont; color: Theme.text
                background: Rectangle { color: Theme.field; radius: 3 }
                Component.onCompleted: { forceActiveFocus(); selectAll() }
                onAccepted: { editor.document.setTitle(node.nid, text); renamer.active = false }
                onActiveFocusChanged: if (!activeFocus) renamer.active = false
                Keys.onEscapePressed: renamer.active = false
            }
        }
        Loader {  // LoadImage: paint the inpainting mask on its image; PaintedSketch: draw the sketch; PoseEditor: edit the pose
            id: maskButton
            z: 1  // above the title bar's drag area
            readonly property bool sketch: model.type === "PaintedSketch"
            readonly property bool pose: model.type === "PoseEditor"
            active: (model.type === "LoadImage" || sketch || pose) && node.detailed && !node.collapsed
            visible: active
            anchors.right: badge.left; anchors.rightMargin: active ? 6 : 0; anchors.verticalCenter: parent.verticalCenter
            width: item ? item.implicitWidth : 0; height: 18
            objectName: (pose ? "editPose_" : sketch ? "drawSketch_" : "paintMask_") + node.nid
            sourceComponent: Rectangle {
                implicitWidth: maskLabel.implicitWidth + 12
                radius: 9
                color: maskMouse.containsMouse ? Theme.accent : Theme.field
                Text { id: maskLabel; anchors.centerIn: parent; text: maskButton.pose ? qsTr("Pose") : maskButton.sketch ? qsTr("Draw") : qsTr("Mask"); color: Theme.text; font.pixelSize: 10; font.bold: true }
                MouseArea {
                    id: maskMouse
                    anchors.fill: parent; hoverEnabled: true
                    onClicked: maskButton.pose ? node.canvas.poseRequested(node.nid)
                        : maskButton.sketch ? node.canvas.sketchRequested(node.nid) : node.canvas.paintMaskRequested(node.nid)
                }
                ToolTip.visible: maskMouse.containsMouse; ToolTip.delay: 600
                ToolTip.text: maskButton.pose ? qsTr("Drag the pose's joints") : maskButton.sketch ? qsTr("Draw the sketch") : qsTr("Paint the inpainting mask on this image")
            }
        }
        Rectangle {
            id: badge
            visible: node.state_ !== "idle" && node.state_ !== ""
            anchors.right: parent.right; anchors.rightMargin: 8; anchors.verticalCenter: parent.verticalCenter
            width: visible ? badgeText.implicitWidth + 10 : 0; height: 16; radius: 8
            color: Theme.stateColor(node.state_)
            Text { id: badgeText; anchors.centerIn: parent; text: node.state_; color: Theme.badgeText; font.pixelSize: 10; font.bold: true }
        }
        MouseArea {
            id: dragArea
            anchors.fill: parent; anchors.leftMargin: 22
            acceptedButtons: Qt.LeftButton | Qt.RightButton
            preventStealing: true
            property point last
            property bool moved: false
            onPressed: (mouse) => {
                node.forceActiveFocus()
                const additive = (mouse.modifiers & (Qt.ControlModifier | Qt.ShiftModifier)) !== 0
                if (additive) editor.nodes.select(node.nid, true)
                else if (!model.selected) editor.nodes.select(node.nid, false)
                last = mapToItem(node.canvas.world, mouse.x, mouse.y)
                moved = false
            }
            onPositionChanged: (mouse) => {
                if (!(pressedButtons & Qt.LeftButton)) return
                const p = mapToItem(node.canvas.world, mouse.x, mouse.y)
                const dx = p.x - last.x, dy = p.y - last.y
                if (dx === 0 && dy === 0) return
                editor.document.moveNodes(editor.nodes.selection, dx, dy)
                last = p
                moved = true
            }
            onReleased: (mouse) => { if (moved) editor.document.finishMove() }
            onClicked: (mouse) => { if (mouse.button === Qt.RightButton) node.canvas.openNodeMenu(node.nid, node) }
            onDoubleClicked: renamer.active = true
        }
    }
    // Progress while the node runs.
    Rectangle {
        visible: node.state_ === "running"
        y: gui.headerHeight - 3; height: 3; width: parent.width * model.progress
        color: Theme.running
    }

    // Ports.
    Repeater {
        model: node.shownInputs.length
        Item {
            readonly property var portData: node.shownInputs[index] || ({})
            y: node.collapsed ? 0 : gui.headerHeight + index * gui.rowHeight
            width: node.width / 2; height: node.collapsed ? gui.headerHeight : gui.rowHeight
            PortDot {
                canvas: node.canvas; nodeId: node.nid; output: false; slot: index
                name: portData.name; type: portData.type; connected: portData.connected
                fromWidget: portData.isWidget
                x: -width / 2; anchors.verticalCenter: parent.verticalCenter
                visible: !node.collapsed || portData.connected
            }
            Text {
                visible: !node.collapsed && node.detailed
                x: 12; anchors.verticalCenter: parent.verticalCenter; width: parent.width - 14; elide: Text.ElideRight
                text: portData.name; color: portData.optional ? Theme.textDim : Theme.text; font.pixelSize: Theme.smallFont
            }
        }
    }
    Repeater {
        model: node.outputs.length
        Item {
            readonly property var portData: node.outputs[index] || ({})
            x: node.width / 2
            y: node.collapsed ? 0 : gui.headerHeight + index * gui.rowHeight
            width: node.width / 2; height: node.collapsed ? gui.headerHeight : gui.rowHeight
            PortDot {
                canvas: node.canvas; nodeId: node.nid; output: true; slot: index
                name: portData.name; type: portData.type; connected: true
                x: parent.width - width / 2; anchors.verticalCenter: parent.verticalCenter
                visible: !node.collapsed
            }
            Text {
                visible: !node.collapsed && node.detailed
                anchors.right: parent.right; anchors.rightMargin: 12; anchors.verticalCenter: parent.verticalCenter
                width: parent.width - 14; elide: Text.ElideLeft; horizontalAlignment: Text.AlignRight
                text: portData.name; color: Theme.text; font.pixelSize: Theme.smallFont
            }
        }
    }

    // Bypassed: purple tint over the whole node.
    Rectangle {
        anchors.fill: parent; radius: Theme.radius
        visible: model.bypassed
        color: Theme.bypass; opacity: 0.3
    }

    // Width handle (bottom-right corner).
    MouseArea {
        visible: !node.collapsed
        width: 12; height: 12; anchors.right: parent.right; anchors.bottom: parent.bottom
        cursorShape: Qt.SizeFDiagCursor
        preventStealing: true
        onPositionChanged: (mouse) => {
            const p = mapToItem(node, mouse.x, mouse.y)
            editor.document.resizeNode(node.nid, Math.max(160, Math.round(p.x)), 0)
        }
    }

    // The failure message under the node; clicking it selects the node.
    Loader {
        active: node.state_ === "failed" && model.error !== ""
        y: parent.height + 6; width: Math.max(parent.width, 200)
        sourceComponent: Rectangle {
            objectName: "errorBox"
            height: errorText.implicitHeight + 12; radius: 4
            color: Theme.errorBackground; border.color: Theme.error
            Text {
                id: errorText
                x: 6; y: 6; width: parent.width - 12
                text: model.error; wrapMode: Text.Wrap
                color: Theme.errorText; font.pixelSize: Theme.smallFont
            }
            MouseArea { anchors.fill: parent; onClicked: editor.nodes.select(node.nid, false) }
        }
    }

    // What the node told the user in the last run (the VAE ran in tiles, an image was cropped):
    // not an error, so in the note colour, under the node.
    Loader {
        active: node.state_ !== "failed" && model.runNotes !== undefined && model.runNotes.length > 0
        y: parent.height + 6; width: Math.max(parent.width, 200)
        sourceComponent: Rectangle {
            objectName: "runNotesBox"
            height: notesText.implicitHeight + 12; radius: 4
            color: Theme.panel; border.color: Theme.noteText
            Text {
                id: notesText
                objectName: "runNotesText"
                x: 6; y: 6; width: parent.width - 12
                text: model.runNotes.join("\n"); wrapMode: Text.Wrap
                color: Theme.noteText; font.pixelSize: Theme.smallFont
            }
            MouseArea { anchors.fill: parent; onClicked: editor.nodes.select(node.nid, false) }
        }
    }
}
