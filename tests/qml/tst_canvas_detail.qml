import QtQuick
import QtTest
import "../../qml"

// Level of detail and culling on the real canvas: below the low-detail zoom no node has a
// delegate (NodeLodLayer draws them, LowDetailInput takes the mouse), above it only nodes near
// the view have one; selection, moving, linking, hover, undo, groups and the minimap work at
// both levels, and the links' one geometry follows the nodes. Run previews reach only the nodes
// with a delegate; the others get theirs when they come into view.
Item {
    id: root
    width: 1280; height: 800

    GraphCanvas { id: canvas; anchors.fill: parent }

    TestCase {
        name: "CanvasDetail"
        when: windowShown

        function init() {
            editor.document.newGraph()
            canvas.zoom = 1; canvas.panX = 100; canvas.panY = 100
            canvas.forceActiveFocus()
        }

        function nodeRow(id) { return editor.nodes.get(editor.nodes.rowOf(id)) }
        function screenOf(p) { return canvas.toScreen(p.x, p.y) }
        function outPort(id, slot) { return screenOf(canvas.linkLayer.portPosition(id, true, slot)) }
        function inPort(id, name) { return screenOf(canvas.linkLayer.inputPosition(id, name)) }
        function nodeItem(id) {
            for (let i = 0; i < canvas.world.children.length; ++i)
                if (canvas.world.children[i].objectName === "node_" + id) return canvas.world.children[i]
            return null
        }
        // Repeater delegates are not QObject children, so findChild misses them: walk the items.
        function itemNamed(item, name) {
            if (item.objectName === name) return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = itemNamed(item.children[i], name)
                if (found) return found
            }
            return null
        }
        function drag(from, to) {
            mousePress(canvas, from.x, from.y)
            mouseMove(canvas, (from.x + to.x) / 2, (from.y + to.y) / 2)
            mouseMove(canvas, to.x, to.y)
            mouseRelease(canvas, to.x, to.y)
        }
        // A checkpoint loader at (0, 0) and a text encoder at (400, 0), seen at zoom 0.2.
        function lowDetailPair() {
            const a = editor.document.addNode("CheckpointLoaderSimple", 0, 0)
            const b = editor.document.addNode("CLIPTextEncode", 400, 0)
            verify(a >= 0 && b >= 0)
            canvas.zoom = 0.2
            verify(canvas.lowDetail)
            return [a, b]
        }

        function test_onlyNodesNearTheViewHaveADelegate() {
            const a = editor.document.addNode("KSampler", 0, 0)
            const far = editor.document.addNode("KSampler", 20000, 0)
            verify(nodeItem(a) !== null)
            compare(nodeItem(far), null, "far outside the view: not instantiated")
            compare(canvas.visibleNodes.count, 1)
            canvas.centerOn(20100, 100)
            verify(nodeItem(far) !== null, "scrolled into view: gets its full delegate")
            compare(nodeItem(far).nid, far)
            compare(nodeItem(a), null, "left behind: its delegate is gone")
            verify(nodeItem(far).detailed)
        }

        function test_zoomingInDropsTheDelegatesLeftOutside() {
            const a = editor.document.addNode("KSampler", 0, 0)
            const b = editor.document.addNode("KSampler", 2000, 0)
            canvas.zoom = 0.5; canvas.panX = 50; canvas.panY = 50
            verify(nodeItem(a) !== null && nodeItem(b) !== null)
            canvas.zoomAt(60, 60, 4)
            compare(canvas.zoom, 2)
            verify(nodeItem(a) !== null)
            compare(nodeItem(b), null, "zoomed in far from it")
        }

        function test_fitAllAndZoomingInCreateNoDelegatesOnTheWay() {
            for (let i = 0; i < 30; ++i) editor.document.addNode("KSampler", i * 3000, 0)
            compare(canvas.visibleNodes.count, 1)
            let most = 0
            const track = () => { most = Math.max(most, canvas.visibleNodes.count) }
            canvas.visibleNodes.countChanged.connect(track)
            canvas.fitAll()
            verify(canvas.lowDetail)
            compare(canvas.visibleNodes.count, 0)
            const p = canvas.toScreen(15 * 3000 + 100, 100)
            canvas.zoomAt(p.x, p.y, 1 / canvas.zoom)
            canvas.visibleNodes.countChanged.disconnect(track)
            verify(nodeItem(editor.nodes.get(15).nodeId) !== null)
            verify(most <= 2, "at most the nodes near the final view had delegates: " + most)
        }

        function test_manyNodesComingIntoViewAtOnceGetDelegatesInBatchesNearestFirst() {
            const ids = []
            for (let i = 0; i < 30; ++i) ids.push(editor.document.addNode("VAEDecode", (i % 6) * 300, Math.floor(i / 6) * 150))
            canvas.zoom = 0.3
            compare(canvas.visibleNodes.count, 0)
            canvas.setView(0.5, canvas.width / 2 - 750 * 0.5, canvas.height / 2 - 300 * 0.5)  // centred on (750, 300)
            compare(canvas.visibleNodes.count, canvas.visibleNodes.batchSize, "the first batch only")
            verify(nodeItem(ids[2 * 6 + 2]) !== null, "the node at the centre comes first")
            compare(nodeItem(ids[0]), null, "a corner node waits")
            tryCompare(canvas.visibleNodes, "count", 30, 2000)
            verify(nodeItem(ids[0]) !== null)
        }

        function test_aNodeMovedIntoViewGetsADelegate() {
            const far = editor.document.addNode("KSampler", 20000, 0)
            compare(nodeItem(far), null)
            editor.document.moveNodes([far], -19800, 100)
            verify(nodeItem(far) !== null)
            editor.document.undo()
            compare(nodeItem(far), null)
        }

        function test_lowDetailDrawsEveryNodeInOneLayer() {
            const [a, b] = lowDetailPair()
            compare(nodeItem(a), null)
            compare(nodeItem(b), null)
            compare(canvas.visibleNodes.count, 0)
            verify(canvas.lodLayer.visible)
            compare(canvas.lodLayer.nodeAt(100, 10), a)
            compare(canvas.lodLayer.nodeAt(500, 40), b)
            compare(canvas.lodLayer.nodeAt(300, 10), -1)
            verify(canvas.lodLayer.onTitleBar(a, 100, 10))
            verify(!canvas.lodLayer.onTitleBar(a, 100, 60))
            verify(!canvas.lodLayer.showTitles, "titles too small to read at 0.2")
            canvas.zoom = 0.3
            verify(canvas.lowDetail && canvas.lodLayer.showTitles)
            compare(nodeItem(a), null)
            canvas.zoom = 1
            verify(!canvas.lodLayer.visible)
            verify(nodeItem(a) !== null && nodeItem(b) !== null, "delegates back above the threshold")
        }

        function test_lowDetailPortsStillConnectAndUndo() {
            const [a, b] = lowDetailPair()
            // A few pixels off the port squares still hits them.
            const from = outPort(a, 1), to = inPort(b, "clip")
            drag(Qt.point(from.x - 2, from.y + 1), Qt.point(to.x + 3, to.y - 1))  // CLIP -> clip
            compare(editor.links.count, 1)
            const l = editor.links.get(0)
            compare(l.fromNode, a); compare(l.fromSlot, 1); compare(l.toNode, b); compare(l.toInput, "clip")
            verify(!canvas.linkLayer.dragActive)
            editor.document.undo()
            compare(editor.links.count, 0)
        }

        function test_lowDetailRefusesIncompatiblePorts() {
            const [a, b] = lowDetailPair()
            drag(outPort(a, 0), inPort(b, "clip"))  // MODEL -> clip
            compare(editor.links.count, 0)
            verify(!canvas.linkLayer.dragActive)
        }

        function test_lowDetailSelectMoveAndUndo() {
            const [a, b] = lowDetailPair()
            const title = screenOf(Qt.point(100, 10))
            mousePress(canvas, title.x, title.y)
            compare(editor.nodes.selection, [a])
            for (let i = 1; i <= 4; ++i) mouseMove(canvas, title.x + 5 * i, title.y + 2 * i)
            mouseRelease(canvas, title.x + 20, title.y + 8)
            fuzzyCompare(nodeRow(a).x, 20 / 0.2, 1)
            fuzzyCompare(nodeRow(a).y, 8 / 0.2, 1)
            compare(nodeRow(b).x, 400, "only the selection moves")
            compare(canvas.lodLayer.nodeAt(100 + 100, 10 + 40), a, "the layer follows the move")
            editor.document.undo()
            compare(nodeRow(a).x, 0)
            compare(nodeRow(a).y, 0)
            // Ctrl+click adds to the selection; a click on empty canvas clears it.
            const bTitle = screenOf(Qt.point(500, 10))
            mouseClick(canvas, bTitle.x, bTitle.y, Qt.LeftButton, Qt.ControlModifier)
            compare(editor.nodes.selection.length, 2)
            const empty = screenOf(Qt.point(300, 600))
            mouseClick(canvas, empty.x, empty.y)
            compare(editor.nodes.selection.length, 0)
        }

        function test_lowDetailBoxSelectStartsOnEmptyCanvas() {
            const [a, b] = lowDetailPair()
            drag(screenOf(Qt.point(-50, -50)), screenOf(Qt.point(300, 400)))
            compare(editor.nodes.selection, [a])
        }

        function test_lowDetailHoverMarksNodeAndPort() {
            const [a, b] = lowDetailPair()
            const body = screenOf(Qt.point(120, 60))
            mouseMove(canvas, body.x, body.y)
            compare(canvas.lodLayer.hoverNode, a)
            const port = inPort(b, "clip")
            mouseMove(canvas, port.x, port.y)
            compare(canvas.lodLayer.hoverPort.nodeId, b)
            compare(canvas.lodLayer.hoverPort.output, false)
            const empty = screenOf(Qt.point(300, 600))
            mouseMove(canvas, empty.x, empty.y)
            compare(canvas.lodLayer.hoverNode, -1)
            compare(canvas.lodLayer.hoverPort.nodeId, undefined)
        }

        function test_lowDetailDoubleClickZoomsInOnTheNode() {
            const [a, b] = lowDetailPair()
            const p = screenOf(Qt.point(100, 60))
            mouseDoubleClickSequence(canvas, p.x, p.y)
            compare(canvas.zoom, 1)
            verify(!canvas.lowDetail)
            const after = canvas.toCanvas(p.x, p.y)
            fuzzyCompare(after.x, 100, 1)
            fuzzyCompare(after.y, 60, 1)
            verify(nodeItem(a) !== null)
        }

        function test_lowDetailNodeInAGroupMovesAlone() {
            const [a, b] = lowDetailPair()
            editor.document.groupNodes([a, b])
            compare(editor.document.groups.length, 1)
            const g = editor.document.groups[0]
            const body = screenOf(Qt.point(120, 60))
            drag(body, Qt.point(body.x + 10, body.y))
            fuzzyCompare(nodeRow(a).x, 10 / 0.2, 1)
            compare(nodeRow(b).x, 400)
            compare(editor.document.groups[0].x, g.x, "the group frame stays")
        }

        function test_linkGeometryFollowsAMovedNode() {
            const [a, b] = lowDetailPair()
            verify(editor.document.connectPorts(a, 1, b, "clip"))
            const before = canvas.linkLayer.portPosition(a, true, 1)
            // Half-way along the link: on it now, off it once the loader moves down.
            const mid = Qt.point((before.x + canvas.linkLayer.inputPosition(b, "clip").x) / 2,
                                 (before.y + canvas.linkLayer.inputPosition(b, "clip").y) / 2)
            compare(canvas.linkLayer.linkAt(mid.x, mid.y, 6).toNode, b)
            editor.document.moveNodes([a], 0, 400)
            const after = canvas.linkLayer.portPosition(a, true, 1)
            fuzzyCompare(after.y, before.y + 400, 1e-6)
            compare(canvas.linkLayer.linkAt(mid.x, mid.y, 6).toNode, undefined)
            const newMid = Qt.point((after.x + canvas.linkLayer.inputPosition(b, "clip").x) / 2,
                                    (after.y + canvas.linkLayer.inputPosition(b, "clip").y) / 2)
            compare(canvas.linkLayer.linkAt(newMid.x, newMid.y, 6).toNode, b)
        }

        function test_renamingLoadsTheTitleEditorOnDemand() {
            const a = editor.document.addNode("KSampler", 0, 0)
            const title = screenOf(Qt.point(120, 15))
            mouseDoubleClickSequence(canvas, title.x, title.y)
            const field = findChild(nodeItem(a), "titleEditor")
            verify(field !== null && field.activeFocus)
            keyClick(Qt.Key_A, Qt.ControlModifier)
            for (const c of "Hires") keyClick(c)
            keyClick(Qt.Key_Return)
            compare(nodeRow(a).title, "Hires")
            compare(findChild(nodeItem(a), "titleEditor"), null, "unloaded again")
            editor.document.undo()
            compare(nodeRow(a).title, "KSampler")
        }

        function test_hoverMarksAPortAtFullDetail() {
            const a = editor.document.addNode("CheckpointLoaderSimple", 0, 0)
            const b = editor.document.addNode("CLIPTextEncode", 400, 0)
            verify(!canvas.lowDetail)
            tryVerify(() => nodeItem(b) !== null)
            const dot = itemNamed(nodeItem(b), "in_clip")
            verify(dot !== null)
            const port = inPort(b, "clip")
            mouseMove(canvas, port.x, port.y)
            tryVerify(() => dot.hovered, 1000, "the port under the mouse is not marked")
            const empty = screenOf(Qt.point(300, 600))
            mouseMove(canvas, empty.x, empty.y)
            tryVerify(() => !dot.hovered, 1000)
            compare(canvas.lodLayer.hoverNode, -1, "the low-detail layer marks nothing at full detail")
        }

        function test_lowDetailDraggingAGroupTitleMovesItsNodesAndUndoes() {
            const [a, b] = lowDetailPair()
            editor.document.groupNodes([a, b])
            const g = editor.document.groups[0]
            editor.nodes.clearSelection()
            const title = screenOf(Qt.point(g.x + g.width - 40, g.y + 10))
            drag(title, Qt.point(title.x + 10, title.y))  // 10 screen px = 50 canvas px at zoom 0.2
            fuzzyCompare(editor.document.groups[0].x, g.x + 50, 1)
            fuzzyCompare(nodeRow(a).x, 50, 1)
            fuzzyCompare(nodeRow(b).x, 450, 1)
            editor.document.undo()
            fuzzyCompare(nodeRow(a).x, 0, 1)
            fuzzyCompare(editor.document.groups[0].x, g.x, 1)
        }

        function test_previewsOfNodesOutOfViewWaitForTheirDelegate() {
            const near = editor.document.addNode("KSampler", 0, 0)
            const far = editor.document.addNode("KSampler", 8000, 0)
            tryVerify(() => nodeItem(near) !== null)
            compare(nodeItem(far), null)
            const publisher = editor.previewPublisher
            const shown = publisher.shownUpdates(), silent = publisher.silentUpdates()
            for (let i = 1; i <= 5; ++i) {
                publisher.post(near, "image://preview/" + near + "/" + i)
                publisher.post(far, "image://preview/" + far + "/" + i)
            }
            tryVerify(() => publisher.shownUpdates() + publisher.silentUpdates() === shown + silent + 2, 1000,
                      "five posts per node are one update each")
            compare(publisher.shownUpdates(), shown + 1)
            compare(publisher.silentUpdates(), silent + 1)
            compare(nodeItem(far), null, "no delegate made for the preview")
            compare(nodeRow(far).preview, "image://preview/" + far + "/5")
            tryVerify(() => itemNamed(nodeItem(near), "nodePreview") !== null)
            compare(String(itemNamed(nodeItem(near), "nodePreview").source), "image://preview/" + near + "/5")
            // Panned to it: its delegate shows the newest preview.
            canvas.panX -= 8000
            tryVerify(() => nodeItem(far) !== null, 2000)
            tryVerify(() => itemNamed(nodeItem(far), "nodePreview") !== null)
            compare(String(itemNamed(nodeItem(far), "nodePreview").source), "image://preview/" + far + "/5")
        }

        function test_previewsStopAtTheLowDetailLevel() {
            const a = editor.document.addNode("KSampler", 0, 0)
            canvas.zoom = 0.2
            verify(canvas.lowDetail)
            const publisher = editor.previewPublisher
            const silent = publisher.silentUpdates(), shown = publisher.shownUpdates()
            publisher.post(a, "image://preview/" + a + "/7")
            tryVerify(() => publisher.silentUpdates() === silent + 1, 1000)
            compare(publisher.shownUpdates(), shown)
            canvas.zoom = 1
            tryVerify(() => nodeItem(a) !== null && itemNamed(nodeItem(a), "nodePreview") !== null, 2000)
            compare(String(itemNamed(nodeItem(a), "nodePreview").source), "image://preview/" + a + "/7")
        }

        function test_minimapClickCentresTheViewAtEitherLevel() {
            const a = editor.document.addNode("KSampler", 0, 0)
            const far = editor.document.addNode("KSampler", 6000, 3000)
            const map = findChild(canvas, "minimap")
            verify(map !== null)
            tryVerify(() => map.bounds.width > 6000, 2000, "the minimap covers the graph")
            for (const zoom of [1, 0.1]) {
                canvas.zoom = zoom
                const target = Qt.point(6120, 3100)
                const m = Qt.point(map.ox + (target.x - map.bounds.x) * map.s, map.oy + (target.y - map.bounds.y) * map.s)
                const onCanvas = map.mapToItem(canvas, m.x, m.y)
                mouseClick(canvas, onCanvas.x, onCanvas.y)
                const c = canvas.viewCenter()
                fuzzyCompare(c.x, target.x, 1 / map.s)
                fuzzyCompare(c.y, target.y, 1 / map.s)
                compare(map.nodeLayer.nodeAt(6100, 3100), far)
            }
        }
    }
}
