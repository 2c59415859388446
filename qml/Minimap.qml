import QtQuick
import QtQml
import Tessera.Gui 1.0

// The whole graph in miniature with the visible area outlined; click or drag to move the view.
Rectangle {
    id: map
    property var canvas
    property int revision: 0
    width: 220; height: 150
    radius: 6
    color: Theme.minimap; border.color: Theme.panelBorder

    readonly property var bounds: {
        revision
        // The graph only (not the view), so panning never re-lays the miniature out.
        const b = editor.nodes.boundingRect([])
        const m = 200
        return {x: b.x - m, y: b.y - m, width: Math.max(1, b.width + 2 * m), height: Math.max(1, b.height + 2 * m)}
    }
    readonly property real s: Math.min((width - 12) / bounds.width, (height - 12) / bounds.height)
    readonly property real ox: 6 + ((width - 12) - bounds.width * s) / 2
    readonly property real oy: 6 + ((height - 12) - bounds.height * s) / 2

    Timer { id: refresh; interval: 150; onTriggered: map.revision++ }
    Connections {
        target: editor.document
        function onNodeChanged() { refresh.start() }
        function onNodeAdded() { refresh.start() }
        function onNodeRemoved() { refresh.start() }
        function onGraphReset() { refresh.start() }
    }

    // Every node as its title-bar colour (selected: the selection colour), at least 2 px.
    readonly property alias nodeLayer: nodeLayer
    NodeLodLayer {
        id: nodeLayer
        x: map.ox - map.bounds.x * map.s; y: map.oy - map.bounds.y * map.s
        scale: map.s; transformOrigin: Item.TopLeft
        nodes: editor.nodes
        showPorts: false
        minNodeSize: 2 / map.s
        nodeColor: Theme.node; borderColor: "transparent"; selectionColor: Theme.selection
        bypassColor: Theme.bypass; unknownColor: Theme.unknownNode
        categoryColor: { Theme.light; return (c) => Theme.categoryColor(c) }
    }
    // The visible area, clamped to the map so its outline stays whole when the view is larger.
    Rectangle {
        readonly property point c0: map.canvas.toCanvas(0, 0)
        readonly property real x0: map.ox + (c0.x - map.bounds.x) * map.s
        readonly property real y0: map.oy + (c0.y - map.bounds.y) * map.s
        readonly property real x1: x0 + map.canvas.width / map.canvas.zoom * map.s
        readonly property real y1: y0 + map.canvas.height / map.canvas.zoom * map.s
        x: Math.max(2, Math.min(x0, map.width - 4)); y: Math.max(2, Math.min(y0, map.height - 4))
        width: Math.max(2, Math.min(x1, map.width - 2) - x)
        height: Math.max(2, Math.min(y1, map.height - 2) - y)
        color: Theme.minimapView; border.color: Theme.minimapViewBorder
    }
    MouseArea {
        anchors.fill: parent
        preventStealing: true
        function go(mouse) {
            map.canvas.centerOn(map.bounds.x + (mouse.x - map.ox) / map.s, map.bounds.y + (mouse.y - map.oy) / map.s)
        }
        onPressed: (mouse) => go(mouse)
        onPositionChanged: (mouse) => go(mouse)
    }
}
