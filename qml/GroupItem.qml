import QtQuick
import QtQuick.Controls.Basic

// A group frame behind the nodes: a tinted box with a title bar. Dragging the title moves the
// frame and the nodes inside it (one undo step); double-click renames; right-click removes.
Rectangle {
    id: root
    property var canvas
    property var group: ({})
    property int groupIndex: -1
    x: group.x; y: group.y; width: group.width; height: group.height
    radius: 4
    color: Qt.rgba(Qt.color(group.color || Theme.groupDefault).r, Qt.color(group.color || Theme.groupDefault).g, Qt.color(group.color || Theme.groupDefault).b, 0.18)
    border.color: group.color || Theme.groupDefault

    Rectangle {
        id: bar
        width: parent.width; height: 28; radius: 4
        color: Qt.rgba(Qt.color(root.border.color).r, Qt.color(root.border.color).g, Qt.color(root.border.color).b, 0.55)
        Text {
            x: 10; anchors.verticalCenter: parent.verticalCenter; width: parent.width - 20; elide: Text.ElideRight
            text: root.group.title || ""; color: Theme.text; font.pixelSize: 15; font.bold: true
            visible: !rename.visible
        }
        TextField {
            id: rename
            visible: false
            x: 6; width: parent.width - 12; height: 24; anchors.verticalCenter: parent.verticalCenter
            onAccepted: {
                const g = root.group
                editor.document.updateGroup(root.groupIndex, text, g.x, g.y, g.width, g.height, g.color)
                visible = false
            }
            onActiveFocusChanged: if (!activeFocus) visible = false
        }
        MouseArea {
            anchors.fill: parent
            acceptedButtons: Qt.LeftButton | Qt.RightButton
            preventStealing: true
            property point last
            property var inside: []
            property bool moved: false
            onPressed: (mouse) => {
                last = mapToItem(root.canvas.world, mouse.x, mouse.y)
                const ids = []
                for (let i = 0; i < editor.nodes.count; ++i) {
                    const n = editor.nodes.get(i)
                    if (n.x >= root.x && n.y >= root.y && n.x < root.x + root.width && n.y < root.y + root.height)
                        ids.push(n.nodeId)
                }
                inside = ids
                moved = false
            }
            onPositionChanged: (mouse) => {
                if (!(pressedButtons & Qt.LeftButton)) return
                const p = mapToItem(root.canvas.world, mouse.x, mouse.y)
                const dx = p.x - last.x, dy = p.y - last.y
                if (!moved) editor.document.beginMacro(qsTr("Move group"))
                moved = true
                const g = root.group
                editor.document.updateGroup(root.groupIndex, g.title, g.x + dx, g.y + dy, g.width, g.height, g.color)
                if (inside.length) editor.document.moveNodes(inside, dx, dy)
                last = p
            }
            onReleased: { if (moved) { editor.document.finishMove(); editor.document.endMacro() } }
            onDoubleClicked: { rename.text = root.group.title; rename.visible = true; rename.forceActiveFocus() }
            onClicked: (mouse) => { if (mouse.button === Qt.RightButton) groupMenu.popup() }
        }
    }
    Menu {
        id: groupMenu
        MenuItem { text: qsTr("Remove group"); onTriggered: editor.document.removeGroup(root.groupIndex) }
    }
}
