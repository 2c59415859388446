import QtQuick
import QtQml
import QtQuick.Controls.Basic
import Tessera.Gui 1.0

// The infinite canvas: grid, groups, links (one C++ LinkLayer), nodes, box selection, link
// dragging, node search, the add-node menu and the minimap. Canvas coordinates are those of
// `world`; screen = pan + canvas * zoom.
Item {
    id: canvas
    property real zoom: 1
    property real panX: 0
    property real panY: 0
    // True while panning or zooming, and for a moment after (see NodeItem's layer).
    property bool moving: false
    // Level of detail: from `detailed` up each node near the view is a QML delegate with its
    // widgets and port names; below it (`lowDetail`, where widgets are too small to use) no node
    // has a delegate: one NodeLodLayer draws them all as frame, title bar colour, ports and, down
    // to `titleZoom` (a 13 px title 3.3 px high: too small to read below), the title from cached
    // images; LowDetailInput takes their mouse input.
    readonly property real detailZoom: 0.4
    readonly property bool detailed: zoom > detailZoom
    readonly property bool lowDetail: !detailed
    readonly property real titleZoom: 0.25
    // Only nodes meeting this canvas rectangle have a delegate (VisibleNodesModel): created as
    // they come near the view, destroyed when they leave it. It is the view grown by a quarter of
    // its size on every side and is recomputed only when the view leaves it or is zoomed in to
    // half its size, so panning rarely creates or destroys delegates.
    property rect cullRect: Qt.rect(0, 0, 0, 0)
    onPanXChanged: viewMoved()
    onPanYChanged: viewMoved()
    onZoomChanged: viewMoved()
    onWidthChanged: updateCullRect(true)
    onHeightChanged: updateCullRect(true)
    // True while setView assigns zoom and pan: the delegates follow the final view only.
    property bool settingView: false
    function viewMoved() { moving = true; movingTimer.restart(); if (!settingView) updateCullRect(false) }
    function setView(z, px, py) {
        settingView = true
        zoom = z; panX = px; panY = py
        settingView = false
        updateCullRect(false)
    }
    function updateCullRect(force) {
        // No delegates at low detail (`zoom`, not `detailed`, which may not have followed it yet).
        if (!(zoom > detailZoom)) {
            if (cullRect.width > 0) cullRect = Qt.rect(0, 0, 0, 0)
            return
        }
        const x0 = -panX / zoom, y0 = -panY / zoom, w = width / zoom, h = height / zoom
        const r = cullRect
        const inside = x0 >= r.x && y0 >= r.y && x0 + w <= r.x + r.width && y0 + h <= r.y + r.height
        // Zoomed in to half the size it was made for: shrink it, or it keeps every delegate it had.
        if (!force && inside && r.width < 3 * w) return
        if (w <= 0 || h <= 0) return
        cullRect = Qt.rect(x0 - w / 4, y0 - h / 4, 1.5 * w, 1.5 * h)
    }
    Timer { id: movingTimer; interval: 250; onTriggered: canvas.moving = false }
    readonly property alias world: world
    readonly property alias linkLayer: linkLayer
    readonly property alias lodLayer: lodLayer
    readonly property alias visibleNodes: visibleNodes
    readonly property alias search: search
    property var drag: null          // the link being dragged: {nodeId, output, slot, name, type}
    property point mouseCanvas: Qt.point(0, 0)  // last mouse position (paste goes there)
    property bool spaceHeld: false
    property bool minimapVisible: true
    property var selectedReroute: null  // {toNode, toInput, index}: the reroute point Del removes
    clip: true
    focus: true

    readonly property real minZoom: 0.05  // far enough out to see a 500-node graph whole
    function toCanvas(sx, sy) { return Qt.point((sx - panX) / zoom, (sy - panY) / zoom) }
    function toScreen(cx, cy) { return Qt.point(panX + cx * zoom, panY + cy * zoom) }
    function zoomAt(sx, sy, factor) {
        const z = Math.max(minZoom, Math.min(3, zoom * factor))
        const c = toCanvas(sx, sy)
        setView(z, sx - c.x * z, sy - c.y * z)
    }
    function centerOn(cx, cy) { setView(zoom, width / 2 - cx * zoom, height / 2 - cy * zoom) }
    function fitRect(r) {
        if (!r || r.width === undefined || r.width <= 0) { setView(1, 0, 0); return }
        const m = 40
        const z = Math.max(minZoom, Math.min(1.25, Math.min(width / (r.width + 2 * m), height / (r.height + 2 * m))))
        setView(z, width / 2 - (r.x + r.width / 2) * z, height / 2 - (r.y + r.height / 2) * z)
    }
    function fitAll() { fitRect(editor.nodes.boundingRect([])) }
    function fitSelection() {
        const s = editor.nodes.selection
        fitRect(editor.nodes.boundingRect(s.length ? s : []))
    }
    function viewCenter() { return toCanvas(width / 2, height / 2) }

    // ---- links ----
    function linkInto(nodeId, input) {
        for (let i = 0; i < editor.links.count; ++i) {
            const l = editor.links.get(i)
            if (l.toNode === nodeId && l.toInput === input) return l
        }
        return null
    }
    function portAccepts(nodeId, output, slot, name) {
        const d = canvas.drag
        if (!d) return true
        if (output === d.output || nodeId === d.nodeId) return false
        return d.output ? editor.document.canConnect(d.nodeId, d.slot, nodeId, name)
                        : editor.document.canConnect(nodeId, slot, d.nodeId, d.name)
    }
    function startLinkDrag(nodeId, output, slot, name, type, p) {
        if (!output) {
            const l = linkInto(nodeId, name)
            if (l) {  // drag the link's end away from this input
                editor.document.disconnectInput(nodeId, name)
                canvas.drag = {nodeId: l.fromNode, output: true, slot: l.fromSlot, name: "", type: l.type}
                linkLayer.dragColor = editor.catalog.portColor(l.type)
                linkLayer.dragFrom = linkLayer.portPosition(l.fromNode, true, l.fromSlot)
                moveLinkDrag(p)
                linkLayer.dragActive = true
                return
            }
        }
        canvas.drag = {nodeId: nodeId, output: output, slot: slot, name: name, type: type}
        linkLayer.dragColor = editor.catalog.portColor(type)
        const port = linkLayer.portPosition(nodeId, output, slot)
        if (output) linkLayer.dragFrom = port; else linkLayer.dragTo = port
        moveLinkDrag(p)
        linkLayer.dragActive = true
    }
    function moveLinkDrag(p) {
        if (!canvas.drag) return
        if (canvas.drag.output) linkLayer.dragTo = p; else linkLayer.dragFrom = p
    }
    function cancelLinkDrag() {
        linkLayer.dragActive = false
        canvas.drag = null
    }
    // Whether a node lies under canvas point p.
    function nodeAt(p) {
        if (lowDetail) return lodLayer.nodeAt(p.x, p.y) >= 0
        const child = world.childAt(p.x, p.y)
        return child !== null && child.objectName.startsWith("node_")
    }
    // How far from a port (canvas units) a press or a dropped link still takes it: a few screen
    // pixels, so the few-pixel ports of the low-detail view stay easy to hit.
    function portReach() { return Math.max(14, 6 / zoom) }
    // Connects the dragged link to the port under p; on empty canvas opens the search for a
    // node that takes it. Returns whether a link was made.
    function endLinkDrag(p) {
        const d = canvas.drag
        linkLayer.dragActive = false
        canvas.drag = null
        if (!d) return false
        const port = linkLayer.portAt(p.x, p.y, portReach())
        if (port.nodeId !== undefined) {
            if (port.output === d.output || port.nodeId === d.nodeId) return false
            return d.output ? editor.document.connectPorts(d.nodeId, d.slot, port.nodeId, port.name)
                            : editor.document.connectPorts(port.nodeId, port.slot, d.nodeId, d.name)
        }
        if (!nodeAt(p)) openSearch(p, d)
        return false
    }

    // ---- reroute points ----
    // Adds a reroute point where canvas point p lies on a link; false when no link is there.
    function addRerouteAt(p) {
        const hit = linkLayer.linkAt(p.x, p.y, Math.max(4, 6 / zoom))
        if (hit.toNode === undefined) return false
        if (!editor.document.addReroute(hit.toNode, hit.toInput, hit.index, p.x, p.y)) return false
        selectedReroute = {toNode: hit.toNode, toInput: hit.toInput, index: hit.index}
        return true
    }
    function removeReroute(r) {
        editor.document.removeReroute(r.toNode, r.toInput, r.index)
        selectedReroute = null
    }
    Connections {
        target: editor.nodes
        function onSelectionChanged() { if (editor.nodes.selection.length) canvas.selectedReroute = null }
    }

    // ---- adding nodes ----
    function openSearch(canvasPos, pendingLink) {
        const s = toScreen(canvasPos.x, canvasPos.y)
        search.open_(s.x, s.y, canvasPos, pendingLink || null)
    }
    function addNodeAt(type, p, pendingLink, port) {
        let id = -1
        if (pendingLink) {
            editor.document.beginMacro(qsTr("Add %1").arg(type))
            id = editor.document.addNode(type, p.x, p.y)
            if (id >= 0 && port !== undefined && port !== "") {
                if (pendingLink.output) editor.document.connectPorts(pendingLink.nodeId, pendingLink.slot, id, port)
                else editor.document.connectPorts(id, parseInt(port), pendingLink.nodeId, pendingLink.name)
            }
            editor.document.endMacro()
        } else {
            id = editor.document.addNode(type, p.x, p.y)
        }
        if (id >= 0) editor.nodes.select(id, false)
        return id
    }
    // The window opens the mask editor for these (the canvas has no window of its own in tests).
    signal paintMaskRequested(var nodeId)
    signal sketchRequested(var nodeId)
    signal poseRequested(var nodeId)
    signal inpaintImageRequested(string url)
    function nodeRow(id) { return editor.nodes.get(editor.nodes.rowOf(id)) }
    function openNodeMenu(nodeId, item) {
        if (!editor.nodes.selection.includes(nodeId)) editor.nodes.select(nodeId, false)
        nodeMenu.nodeId = nodeId
        nodeMenu.popup()
    }

    // ---- edit commands on the selection (menus and shortcuts call these) ----
    function selectedIds() { return editor.nodes.selection }
    function deleteSelection() {
        if (selectedReroute) return removeReroute(selectedReroute)
        const s = selectedIds()
        if (s.length) editor.document.removeNodes(s)
    }
    function duplicate() {
        const ids = editor.document.duplicateNodes(selectedIds())
        if (ids.length) editor.nodes.setSelection(ids)
    }
    function copy() {
        const s = selectedIds()
        if (s.length) gui.setClipboardText(editor.document.copyNodes(s))
    }
    function paste() {
        const ids = editor.document.pasteNodes(gui.clipboardText(), mouseCanvas.x, mouseCanvas.y)
        if (ids.length) editor.nodes.setSelection(ids)
        return ids
    }
    function cut() { copy(); deleteSelection() }
    function group() { const s = selectedIds(); return s.length ? editor.document.groupNodes(s) : -1 }
    function allFlag(role) {
        const s = selectedIds()
        for (let i = 0; i < s.length; ++i)
            if (!editor.nodes.get(editor.nodes.rowOf(s[i]))[role]) return false
        return s.length > 0
    }
    function toggleBypass() { const s = selectedIds(); if (s.length) editor.document.setBypassed(s, !allFlag("bypassed")) }
    function toggleMute() { const s = selectedIds(); if (s.length) editor.document.setMuted(s, !allFlag("muted")) }

    Rectangle { anchors.fill: parent; color: Theme.canvas }
    CanvasGrid {
        anchors.fill: parent
        panX: canvas.panX; panY: canvas.panY; zoom: canvas.zoom
        color: Theme.gridMinor; majorColor: Theme.gridMajor
    }

    // Empty-canvas mouse: box select (left), pan (middle, or left with space), search (double-click), menu (right);
    // on a link, double-click or Alt+click adds a reroute point.
    MouseArea {
        id: background
        anchors.fill: parent
        acceptedButtons: Qt.LeftButton | Qt.MiddleButton | Qt.RightButton
        hoverEnabled: true
        property point pressPoint
        property bool panning: false
        property bool boxing: false
        property bool additive: false
        onPressed: (mouse) => {
            canvas.forceActiveFocus()
            pressPoint = Qt.point(mouse.x, mouse.y)
            panning = mouse.button === Qt.MiddleButton || (mouse.button === Qt.LeftButton && canvas.spaceHeld)
            boxing = !panning && mouse.button === Qt.LeftButton
            additive = (mouse.modifiers & (Qt.ControlModifier | Qt.ShiftModifier)) !== 0
            canvas.selectedReroute = null
            if (boxing && (mouse.modifiers & Qt.AltModifier) && canvas.addRerouteAt(canvas.toCanvas(mouse.x, mouse.y)))
                boxing = false
            if (boxing) rubber.set(mouse.x, mouse.y, mouse.x, mouse.y)
        }
        onPositionChanged: (mouse) => {
            canvas.mouseCanvas = canvas.toCanvas(mouse.x, mouse.y)
            if (panning) {
                canvas.panX += mouse.x - pressPoint.x
                canvas.panY += mouse.y - pressPoint.y
                pressPoint = Qt.point(mouse.x, mouse.y)
            } else if (boxing) {
                rubber.set(pressPoint.x, pressPoint.y, mouse.x, mouse.y)
                rubber.visible = Math.abs(mouse.x - pressPoint.x) + Math.abs(mouse.y - pressPoint.y) > 3
            }
        }
        onReleased: (mouse) => {
            if (boxing) {
                if (rubber.visible) {
                    const a = canvas.toCanvas(rubber.x, rubber.y)
                    editor.nodes.selectInRect(a.x, a.y, rubber.width / canvas.zoom, rubber.height / canvas.zoom, additive)
                } else if (!additive) {
                    editor.nodes.clearSelection()
                }
            }
            rubber.visible = false
            panning = boxing = false
        }
        onDoubleClicked: (mouse) => {
            if (mouse.button !== Qt.LeftButton) return
            const p = canvas.toCanvas(mouse.x, mouse.y)
            if (canvas.addRerouteAt(p)) boxing = false
            else canvas.openSearch(p, null)
        }
        onClicked: (mouse) => {
            if (mouse.button === Qt.RightButton) {
                addMenu.at = canvas.toCanvas(mouse.x, mouse.y)
                addMenu.popup()
            }
        }
    }
    LowDetailInput {
        anchors.fill: parent
        canvas: world.parent
        enabled: canvas.lowDetail
    }
    WheelHandler {
        acceptedDevices: PointerDevice.Mouse | PointerDevice.TouchPad
        onWheel: (event) => {
            const touchpad = event.pixelDelta.x !== 0 || event.pixelDelta.y !== 0
            if ((event.modifiers & Qt.ControlModifier) || !touchpad) {
                const dy = event.angleDelta.y !== 0 ? event.angleDelta.y : event.pixelDelta.y
                canvas.zoomAt(point.position.x, point.position.y, Math.pow(1.0015, dy))
            } else {
                canvas.panX += event.pixelDelta.x
                canvas.panY += event.pixelDelta.y
            }
        }
    }
    PinchHandler {
        target: null
        property real lastScale: 1
        onActiveChanged: lastScale = 1
        onActiveScaleChanged: {
            canvas.zoomAt(centroid.position.x, centroid.position.y, activeScale / lastScale)
            lastScale = activeScale
        }
    }

    Item {
        id: world
        x: canvas.panX; y: canvas.panY
        scale: canvas.zoom
        transformOrigin: Item.TopLeft

        Repeater {
            // A count, not the list: moving a group must not recreate the item being dragged.
            model: editor.document.groups.length
            GroupItem { canvas: world.parent; group: editor.document.groups[index] || ({}); groupIndex: index }
        }
        LinkLayer {
            id: linkLayer
            nodes: editor.nodes
            links: editor.links
            outlineColor: Theme.linkOutline
        }
        NodeLodLayer {
            id: lodLayer
            visible: canvas.lowDetail
            nodes: editor.nodes
            nodeColor: Theme.node; borderColor: Theme.nodeBorder; selectionColor: Theme.selection
            bypassColor: Theme.bypass; unknownColor: Theme.unknownNode
            showTitles: canvas.zoom >= canvas.titleZoom; textColor: Theme.text
            // Reading Theme.light here hands a new function over on a theme change (recolouring).
            categoryColor: { Theme.light; return (c) => Theme.categoryColor(c) }
            stateColor: { Theme.light; return (s) => Theme.stateColor(s) }
        }
        Repeater {
            id: nodeRepeater
            model: VisibleNodesModel {
                id: visibleNodes
                nodes: editor.nodes
                viewRect: canvas.cullRect
                enabled: !canvas.lowDetail
                previews: editor.previewPublisher
            }
            NodeItem { canvas: world.parent }
        }
        Repeater {
            // A count, not the list: moving a point must not recreate the dot being dragged.
            model: editor.links.rerouteCount
            RerouteDot { canvas: world.parent; point: editor.links.reroutes[index] || ({}) }
        }
    }

    Rectangle {
        id: rubber
        visible: false
        color: Theme.rubberBand; border.color: Theme.accent
        function set(x1, y1, x2, y2) {
            x = Math.min(x1, x2); y = Math.min(y1, y2)
            width = Math.abs(x2 - x1); height = Math.abs(y2 - y1)
        }
    }

    // Space + drag pans anywhere, over nodes too.
    MouseArea {
        anchors.fill: parent
        enabled: canvas.spaceHeld
        cursorShape: pressed ? Qt.ClosedHandCursor : Qt.OpenHandCursor
        property point last
        onPressed: (mouse) => last = Qt.point(mouse.x, mouse.y)
        onPositionChanged: (mouse) => {
            canvas.panX += mouse.x - last.x; canvas.panY += mouse.y - last.y
            last = Qt.point(mouse.x, mouse.y)
        }
    }
    Keys.onPressed: (event) => { if (event.key === Qt.Key_Space && !event.isAutoRepeat) { canvas.spaceHeld = true; event.accepted = true } }
    Keys.onReleased: (event) => { if (event.key === Qt.Key_Space && !event.isAutoRepeat) { canvas.spaceHeld = false; event.accepted = true } }

    Minimap {
        objectName: "minimap"
        canvas: world.parent
        visible: canvas.minimapVisible && editor.nodes.count > 0
        anchors.right: parent.right; anchors.bottom: parent.bottom; anchors.margins: 12
    }

    NodeSearch {
        id: search
        onChosen: (type, port) => canvas.addNodeAt(type, search.canvasPos, search.pendingLink, port)
    }

    // The categorised "Add node" menu, built from the catalog the first time it opens.
    Component { id: submenuComponent; Menu {} }
    Component {
        id: addItemComponent
        MenuItem { property string nodeType; onTriggered: canvas.addNodeAt(nodeType, addMenu.at, null) }
    }
    Menu {
        id: addMenu
        objectName: "addMenu"
        property point at
        property bool built: false
        title: qsTr("Add node")
        onAboutToShow: {
            if (built) return
            built = true
            for (const c of editor.catalog.categories()) {
                const sub = submenuComponent.createObject(addMenu, {title: c.category})
                for (const t of c.types) sub.addItem(addItemComponent.createObject(sub, {text: t.displayName, nodeType: t.type}))
                addMenu.addMenu(sub)
            }
        }
    }

    Menu {
        id: nodeMenu
        property var nodeId
        MenuItem { text: qsTr("Collapse / expand"); onTriggered: editor.document.setCollapsed(nodeMenu.nodeId, !editor.nodes.get(editor.nodes.rowOf(nodeMenu.nodeId)).collapsed) }
        MenuItem { text: qsTr("Bypass\tCtrl+B"); onTriggered: canvas.toggleBypass() }
        MenuItem { text: qsTr("Mute\tCtrl+M"); onTriggered: canvas.toggleMute() }
        MenuItem { text: qsTr("Edit note…"); onTriggered: noteDialog.openFor(nodeMenu.nodeId) }
        MenuItem {
            readonly property string successor: nodeMenu.nodeId !== undefined ? editor.document.successorName(nodeMenu.nodeId) : ""
            text: qsTr("Replace with %1").arg(successor); visible: successor !== ""; height: visible ? implicitHeight : 0
            onTriggered: editor.document.replaceWithSuccessor(nodeMenu.nodeId)
        }
        MenuItem {
            readonly property bool loadsImage: nodeMenu.nodeId !== undefined && canvas.nodeRow(nodeMenu.nodeId).type === "LoadImage"
            text: qsTr("Paint inpainting mask…"); visible: loadsImage; height: visible ? implicitHeight : 0
            onTriggered: canvas.paintMaskRequested(nodeMenu.nodeId)
        }
        MenuItem {
            readonly property var images: nodeMenu.nodeId !== undefined ? canvas.nodeRow(nodeMenu.nodeId).outputImages || [] : []
            text: qsTr("Inpaint this image…"); visible: images.length > 0; height: visible ? implicitHeight : 0
            onTriggered: canvas.inpaintImageRequested(images[images.length - 1])
        }
        MenuSeparator {}
        MenuItem { text: qsTr("Duplicate\tCtrl+D"); onTriggered: canvas.duplicate() }
        MenuItem { text: qsTr("Group selection\tCtrl+G"); onTriggered: canvas.group() }
        MenuItem { text: qsTr("Delete\tDel"); onTriggered: canvas.deleteSelection() }
    }

    Dialog {
        id: noteDialog
        property var nodeId
        title: qsTr("Node note")
        anchors.centerIn: parent
        modal: true
        standardButtons: Dialog.Ok | Dialog.Cancel
        function openFor(id) {
            nodeId = id
            noteText.text = editor.nodes.get(editor.nodes.rowOf(id)).note
            open()
        }
        TextArea { id: noteText; implicitWidth: 320; implicitHeight: 120; wrapMode: TextEdit.Wrap }
        onAccepted: editor.document.setNote(nodeId, noteText.text)
    }
}
