import QtQuick

// A node's input or output port: a dot coloured by type. Dragging from it draws a new link
// (from an input that already has one: detaches it); while a link is dragged, ports that can't
// take it are dimmed.
Item {
    id: root
    property var canvas
    property var nodeId
    property bool output: false
    property int slot: 0
    property string name
    property string type
    property bool connected: false
    property bool fromWidget: false  // a widget shown as an input: right-click turns it back
    readonly property bool usable: canvas ? canvas.portAccepts(nodeId, output, slot, name) : true
    readonly property alias hovered: hover.containsMouse
    objectName: output ? "out_" + slot : "in_" + name
    width: 2 * gui.portRadius + 8; height: width

    Rectangle {  // a rim (light theme) so pale type colours stay visible
        anchors.centerIn: parent
        width: 2 * gui.portRadius + 2; height: width; radius: width / 2
        color: Theme.linkOutline
        opacity: root.usable ? 1 : 0.2
    }
    Rectangle {
        anchors.centerIn: parent
        width: 2 * gui.portRadius; height: width; radius: width / 2
        color: root.connected || hover.containsMouse ? editor.catalog.portColor(root.type) : Theme.node
        border.color: editor.catalog.portColor(root.type)
        border.width: 2
        opacity: root.usable ? 1 : 0.2
        scale: hover.containsMouse && root.usable ? 1.3 : 1
    }
    // Removed mid-drag (its node's ports changed): don't leave a half-drawn link behind.
    Component.onDestruction: if (hover.pressed && root.canvas) root.canvas.cancelLinkDrag()
    MouseArea {
        id: hover
        anchors.fill: parent
        hoverEnabled: true
        preventStealing: true
        acceptedButtons: Qt.LeftButton | Qt.RightButton
        cursorShape: Qt.CrossCursor
        onPressed: (mouse) => {
            if (mouse.button === Qt.RightButton) return
            root.canvas.startLinkDrag(root.nodeId, root.output, root.slot, root.name, root.type,
                                      mapToItem(root.canvas.world, mouse.x, mouse.y))
        }
        onPositionChanged: (mouse) => { if (pressed && (pressedButtons & Qt.LeftButton)) root.canvas.moveLinkDrag(mapToItem(root.canvas.world, mouse.x, mouse.y)) }
        onReleased: (mouse) => { if (mouse.button === Qt.LeftButton) root.canvas.endLinkDrag(mapToItem(root.canvas.world, mouse.x, mouse.y)) }
        onClicked: (mouse) => {
            if (mouse.button === Qt.RightButton && root.fromWidget)
                editor.document.setWidgetAsInput(root.nodeId, root.name, false)
        }
    }
}
