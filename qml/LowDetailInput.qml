import QtQuick

// The mouse on nodes at low detail, where they have no delegates (GraphCanvas' NodeLodLayer
// draws them): press a port to drag a link from it, a node to select it and drag to move the
// selection (right button: its menu), double-click a node to zoom in on it. Hovering marks the
// node and port under the mouse. Presses anywhere else fall through to the canvas background
// (box select, pan, search).
MouseArea {
    id: area
    property var canvas
    readonly property var lodLayer: canvas.lodLayer
    acceptedButtons: Qt.LeftButton | Qt.RightButton
    preventStealing: true
    property var draggedNode: null  // the node a press landed on, while the button is down
    property bool linking: false
    property bool moved: false
    property point last

    // The port a press at canvas point p takes; none on a title bar, which drags the node.
    function portAt(p, nodeId) {
        if (nodeId >= 0 && lodLayer.onTitleBar(nodeId, p.x, p.y)) return ({})
        return canvas.linkLayer.portAt(p.x, p.y, canvas.portReach())
    }
    function clearHover() {
        lodLayer.hoverNode = -1
        lodLayer.hoverPort = {}
    }

    onEnabledChanged: clearHover()
    onPressed: (mouse) => {
        canvas.forceActiveFocus()
        const p = canvas.toCanvas(mouse.x, mouse.y)
        const id = lodLayer.nodeAt(p.x, p.y)
        const port = portAt(p, id)
        if (mouse.button === Qt.LeftButton && port.nodeId !== undefined) {
            linking = true
            canvas.startLinkDrag(port.nodeId, port.output, port.slot, port.name, port.type, p)
            return
        }
        if (id < 0) {
            mouse.accepted = false
            return
        }
        const additive = (mouse.modifiers & (Qt.ControlModifier | Qt.ShiftModifier)) !== 0
        if (additive) editor.nodes.select(id, true)
        else if (!editor.nodes.selection.includes(id)) editor.nodes.select(id, false)
        if (mouse.button === Qt.RightButton) {
            canvas.openNodeMenu(id, null)
            return
        }
        draggedNode = id
        last = p
        moved = false
    }
    onPositionChanged: (mouse) => {
        const p = canvas.toCanvas(mouse.x, mouse.y)
        canvas.mouseCanvas = p
        if (linking) {
            canvas.moveLinkDrag(p)
        } else if (draggedNode !== null) {
            const dx = p.x - last.x, dy = p.y - last.y
            if (dx === 0 && dy === 0) return
            editor.document.moveNodes(editor.nodes.selection, dx, dy)
            last = p
            moved = true
        }
    }
    // A handler, not the area's hover, so the canvas background under this area still hovers.
    HoverHandler {
        onPointChanged: {
            if (!area.enabled || area.pressed) return
            const p = area.canvas.toCanvas(point.position.x, point.position.y)
            const id = area.lodLayer.nodeAt(p.x, p.y)
            area.lodLayer.hoverNode = id
            const port = area.portAt(p, id)
            area.lodLayer.hoverPort = port.nodeId !== undefined ? {nodeId: port.nodeId, output: port.output, slot: port.slot} : {}
        }
        onHoveredChanged: if (!hovered) area.clearHover()
    }
    onReleased: (mouse) => {
        if (linking) canvas.endLinkDrag(canvas.toCanvas(mouse.x, mouse.y))
        else if (draggedNode !== null && moved) editor.document.finishMove()
        linking = false
        draggedNode = null
    }
    onCanceled: {
        if (linking) canvas.cancelLinkDrag()
        else if (draggedNode !== null && moved) editor.document.finishMove()
        linking = false
        draggedNode = null
    }
    onDoubleClicked: (mouse) => {
        const p = canvas.toCanvas(mouse.x, mouse.y)
        if (lodLayer.nodeAt(p.x, p.y) < 0) return
        canvas.zoomAt(mouse.x, mouse.y, 1 / canvas.zoom)
    }
}
