import QtQuick

// A reroute point of a link (one entry of editor.links.reroutes): a dot in the link's type
// colour. Drag to move it (one undo step per drag); click selects it (Del removes it);
// double-click removes it.
Item {
    id: dot
    property var canvas
    property var point: ({})  // {toNode, toInput, index, x, y, type}
    readonly property bool selected: {
        const s = canvas ? canvas.selectedReroute : null
        return !!s && s.toNode === point.toNode && s.toInput === point.toInput && s.index === point.index
    }
    x: (point.x || 0) - width / 2
    y: (point.y || 0) - height / 2
    width: 2 * gui.portRadius + 8; height: width

    Rectangle {
        anchors.centerIn: parent
        width: 2 * gui.portRadius; height: width; radius: width / 2
        color: editor.catalog.portColor(dot.point.type || "")
        border.color: dot.selected ? Theme.selection : Qt.darker(color, 1.8)
        border.width: dot.selected ? 2 : 1
        scale: area.containsMouse || area.pressed ? 1.3 : 1
    }
    MouseArea {
        id: area
        anchors.fill: parent
        hoverEnabled: true
        preventStealing: true
        cursorShape: Qt.SizeAllCursor
        property point grab  // where in the dot it was pressed, so it does not jump to the mouse
        property bool moved: false
        onPressed: (mouse) => {
            dot.canvas.forceActiveFocus()
            dot.canvas.selectedReroute = {toNode: dot.point.toNode, toInput: dot.point.toInput, index: dot.point.index}
            const p = mapToItem(dot.canvas.world, mouse.x, mouse.y)
            grab = Qt.point(p.x - dot.point.x, p.y - dot.point.y)
            moved = false
        }
        onPositionChanged: (mouse) => {
            if (!pressed) return
            const p = mapToItem(dot.canvas.world, mouse.x, mouse.y)
            editor.document.moveReroute(dot.point.toNode, dot.point.toInput, dot.point.index, p.x - grab.x, p.y - grab.y)
            moved = true
        }
        onReleased: if (moved) editor.document.finishMove()
        onDoubleClicked: dot.canvas.removeReroute(dot.point)
    }
}
