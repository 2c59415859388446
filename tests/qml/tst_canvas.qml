import QtQuick
import QtTest
import "../../qml"

// Canvas interactions with simulated mouse and keyboard events on the real QML and models.
Item {
    id: root
    width: 1280; height: 800
    readonly property alias canvasItem: canvas

    GraphCanvas { id: canvas; anchors.fill: parent }
    EditorShortcuts { canvas: root.canvasItem }

    TestCase {
        name: "Canvas"
        when: windowShown

        function init() {
            editor.document.newGraph()
            canvas.zoom = 1; canvas.panX = 100; canvas.panY = 100
            canvas.forceActiveFocus()
        }
        function cleanup() { canvas.search.close() }

        function nodeRow(id) { return editor.nodes.get(editor.nodes.rowOf(id)) }
        function screenOf(p) { return canvas.toScreen(p.x, p.y) }
        function outPort(id, slot) { return screenOf(canvas.linkLayer.portPosition(id, true, slot)) }
        function inPort(id, name) { return screenOf(canvas.linkLayer.inputPosition(id, name)) }
        function dragMouse(from, to) {
            mousePress(canvas, from.x, from.y)
            mouseMove(canvas, (from.x + to.x) / 2, (from.y + to.y) / 2)
            mouseMove(canvas, to.x, to.y)
            mouseRelease(canvas, to.x, to.y)
        }
        function nodeItem(id) {
            for (let i = 0; i < canvas.world.children.length; ++i)
                if (canvas.world.children[i].objectName === "node_" + id) return canvas.world.children[i]
            return null
        }
        function typeText(text) { for (const c of text) keyClick(c) }
        // A checkpoint loader at (0, 0) and a text encoder at (400, 0).
        function loaderAndEncoder() {
            const a = editor.document.addNode("CheckpointLoaderSimple", 0, 0)
            const b = editor.document.addNode("CLIPTextEncode", 400, 0)
            verify(a >= 0 && b >= 0)
            wait(50)
            return [a, b]
        }

        function test_doubleClickSearchAddsTheChosenNode() {
            mouseDoubleClickSequence(canvas, 400, 300)
            tryVerify(() => canvas.search.opened)
            typeText("ksampler")
            verify(canvas.search.results.length > 0)
            compare(canvas.search.results[0].type, "KSampler")
            keyClick(Qt.Key_Return)
            compare(editor.nodes.count, 1)
            const n = editor.nodes.get(0)
            compare(n.type, "KSampler")
            fuzzyCompare(n.x, 300, 1)
            fuzzyCompare(n.y, 200, 1)
            verify(!canvas.search.opened)
        }

        function test_searchFiltersAndArrowsPick() {
            mouseDoubleClickSequence(canvas, 100, 100)
            tryVerify(() => canvas.search.opened)
            const all = canvas.search.results.length
            // The list shows 40 at most; "vae" alone also matches "advanced" in over 40 categories, so a longer query.
            typeText("vaedecode")
            const some = canvas.search.results.length
            verify(some > 0 && some < all, "typing narrows the list: " + some + " of " + all)
            compare(canvas.search.results[0].type.indexOf("VAE"), 0, "best match first")
            keyClick(Qt.Key_Down)
            const second = canvas.search.results[1].type
            keyClick(Qt.Key_Return)
            compare(editor.nodes.get(0).type, second)
        }

        function test_linkingCompatiblePortsConnects() {
            const [a, b] = loaderAndEncoder()
            dragMouse(outPort(a, 1), inPort(b, "clip"))  // CLIP -> clip
            compare(editor.links.count, 1)
            const l = editor.links.get(0)
            compare(l.fromNode, a); compare(l.fromSlot, 1); compare(l.toNode, b); compare(l.toInput, "clip")
        }

        function test_linkingIncompatiblePortsIsRefused() {
            const [a, b] = loaderAndEncoder()
            // While dragging MODEL, the encoder's clip input is dimmed (can't take it).
            const from = outPort(a, 0), to = inPort(b, "clip")
            mousePress(canvas, from.x, from.y)
            mouseMove(canvas, to.x - 30, to.y)
            verify(!canvas.portAccepts(b, false, 0, "clip"))
            verify(canvas.portAccepts(b, false, 0, "clip") === false)
            mouseMove(canvas, to.x, to.y)
            mouseRelease(canvas, to.x, to.y)
            compare(editor.links.count, 0)
            verify(!canvas.linkLayer.dragActive)
        }

        function test_draggingFromAConnectedInputDetachesTheLink() {
            const [a, b] = loaderAndEncoder()
            verify(editor.document.connectPorts(a, 1, b, "clip"))
            compare(editor.links.count, 1)
            dragMouse(inPort(b, "clip"), Qt.point(inPort(b, "clip").x - 150, 600))
            compare(editor.links.count, 0)
        }

        function test_droppingALinkOnEmptyCanvasAddsAConnectedNode() {
            const [a, b] = loaderAndEncoder()
            dragMouse(outPort(a, 2), Qt.point(700, 500))  // VAE output dropped on empty canvas
            tryVerify(() => canvas.search.opened)
            verify(canvas.search.results.length > 0)
            for (const r of canvas.search.results) verify(r.port !== undefined && r.port !== "", r.type)
            const chosen = canvas.search.results[0]
            keyClick(Qt.Key_Return)
            compare(editor.nodes.count, 3)
            compare(editor.links.count, 1)
            compare(editor.links.get(0).fromSlot, 2)
            compare(editor.links.get(0).toInput, chosen.port)
            // One undo step removes both the node and its link.
            editor.document.undo()
            compare(editor.nodes.count, 2)
            compare(editor.links.count, 0)
        }

        function test_undoRedoShortcuts() {
            mouseDoubleClickSequence(canvas, 300, 200)
            tryVerify(() => canvas.search.opened)
            typeText("emptylatent")
            keyClick(Qt.Key_Return)
            compare(editor.nodes.count, 1)
            canvas.forceActiveFocus()
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(editor.nodes.count, 0)
            keyClick(Qt.Key_Y, Qt.ControlModifier)
            compare(editor.nodes.count, 1)
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            keyClick(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
            compare(editor.nodes.count, 1)
        }

        function test_moveByDraggingTheTitleIsOneUndoStep() {
            const [a, b] = loaderAndEncoder()
            const title = screenOf(Qt.point(100, 15))
            mousePress(canvas, title.x, title.y)
            for (let i = 1; i <= 5; ++i) mouseMove(canvas, title.x + 20 * i, title.y + 10 * i)
            mouseRelease(canvas, title.x + 100, title.y + 50)
            fuzzyCompare(nodeRow(a).x, 100, 1)
            fuzzyCompare(nodeRow(a).y, 50, 1)
            compare(nodeRow(b).x, 400)  // only the selection moves
            editor.document.undo()
            compare(nodeRow(a).x, 0)
            compare(nodeRow(a).y, 0)
        }

        function test_boxSelectThenCopyPasteKeepsInternalLinks() {
            const [a, b] = loaderAndEncoder()
            verify(editor.document.connectPorts(a, 1, b, "clip"))
            dragMouse(Qt.point(canvas.toScreen(-20, -20).x, canvas.toScreen(-20, -20).y), canvas.toScreen(700, 420))
            compare(editor.nodes.selection.length, 2)
            canvas.mouseCanvas = Qt.point(0, 600)
            keyClick(Qt.Key_C, Qt.ControlModifier)
            keyClick(Qt.Key_V, Qt.ControlModifier)
            compare(editor.nodes.count, 4)
            compare(editor.links.count, 2)
            compare(editor.nodes.selection.length, 2)
            verify(editor.nodes.selection.indexOf(a) < 0)
        }

        function test_duplicateAndDelete() {
            const [a, b] = loaderAndEncoder()
            editor.nodes.select(a, false)
            keyClick(Qt.Key_D, Qt.ControlModifier)
            compare(editor.nodes.count, 3)
            keyClick(Qt.Key_Delete)
            compare(editor.nodes.count, 2)
        }

        function test_groupingAndMovingAGroupMovesItsNodes() {
            const [a, b] = loaderAndEncoder()
            keyClick(Qt.Key_A, Qt.ControlModifier)
            compare(editor.nodes.selection.length, 2)
            keyClick(Qt.Key_G, Qt.ControlModifier)
            compare(editor.document.groups.length, 1)
            const g = editor.document.groups[0]
            verify(g.x <= 0 && g.y <= 0 && g.x + g.width >= 640)
            // Drag the group's title bar 50 px right.
            const p = canvas.toScreen(g.x + g.width - 40, g.y + 10)
            editor.nodes.clearSelection()
            mousePress(canvas, p.x, p.y)
            mouseMove(canvas, p.x + 25, p.y)
            mouseMove(canvas, p.x + 50, p.y)
            mouseRelease(canvas, p.x + 50, p.y)
            fuzzyCompare(editor.document.groups[0].x, g.x + 50, 1)
            fuzzyCompare(nodeRow(a).x, 50, 1)
            fuzzyCompare(nodeRow(b).x, 450, 1)
            editor.document.undo()
            fuzzyCompare(nodeRow(a).x, 0, 1)
            fuzzyCompare(editor.document.groups[0].x, g.x, 1)
        }

        function test_bypassAndMuteShortcutsToggle() {
            const [a, b] = loaderAndEncoder()
            editor.nodes.select(b, false)
            keyClick(Qt.Key_B, Qt.ControlModifier)
            verify(nodeRow(b).bypassed)
            keyClick(Qt.Key_B, Qt.ControlModifier)
            verify(!nodeRow(b).bypassed)
            keyClick(Qt.Key_M, Qt.ControlModifier)
            verify(nodeRow(b).muted)
        }

        function test_wheelZoomsAroundTheCursor() {
            const [a, b] = loaderAndEncoder()
            const before = canvas.toCanvas(400, 300)
            mouseWheel(canvas, 400, 300, 0, 240)
            verify(canvas.zoom > 1.2)
            const after = canvas.toCanvas(400, 300)
            fuzzyCompare(after.x, before.x, 0.5)
            fuzzyCompare(after.y, before.y, 0.5)
        }

        function test_rerouteAddedOnALinkDragsAndUndoes() {
            const a = editor.document.addNode("CheckpointLoaderSimple", 0, 0)
            const b = editor.document.addNode("CLIPTextEncode", 700, 300)
            verify(editor.document.connectPorts(a, 1, b, "clip"))
            wait(50)
            // The middle of a link without reroutes is halfway between its ports.
            const from = canvas.linkLayer.portPosition(a, true, 1), to = canvas.linkLayer.inputPosition(b, "clip")
            const mid = Qt.point((from.x + to.x) / 2, (from.y + to.y) / 2)
            const s = screenOf(mid)
            mouseDoubleClickSequence(canvas, s.x, s.y)
            compare(editor.links.rerouteCount, 1)
            verify(!canvas.search.opened)
            fuzzyCompare(editor.links.reroutes[0].x, mid.x, 1)
            fuzzyCompare(editor.links.reroutes[0].y, mid.y, 1)
            compare(editor.links.reroutes[0].toNode, b)

            mousePress(canvas, s.x, s.y)
            for (let i = 1; i <= 4; ++i) mouseMove(canvas, s.x + 10 * i, s.y + 20 * i)
            mouseRelease(canvas, s.x + 40, s.y + 80)
            fuzzyCompare(editor.links.reroutes[0].x, mid.x + 40, 1)
            fuzzyCompare(editor.links.reroutes[0].y, mid.y + 80, 1)
            editor.document.undo()  // the whole drag
            fuzzyCompare(editor.links.reroutes[0].x, mid.x, 1)
            fuzzyCompare(editor.links.reroutes[0].y, mid.y, 1)
            editor.document.undo()  // the point
            compare(editor.links.rerouteCount, 0)
            compare(editor.links.count, 1)

            // Alt+click adds one too; a click selects it and Del removes it, not the nodes.
            mouseClick(canvas, s.x, s.y, Qt.LeftButton, Qt.AltModifier)
            compare(editor.links.rerouteCount, 1)
            mouseClick(canvas, 5, 5)
            verify(canvas.selectedReroute === null)
            mouseClick(canvas, s.x, s.y)
            verify(canvas.selectedReroute !== null)
            keyClick(Qt.Key_Delete)
            compare(editor.links.rerouteCount, 0)
            compare(editor.nodes.count, 2)
        }

        function test_fitAllShowsEveryNode() {
            editor.document.addNode("KSampler", 3000, 2000)
            editor.document.addNode("KSampler", -2000, -1000)
            canvas.fitAll()
            const r = editor.nodes.boundingRect([])
            const tl = canvas.toScreen(r.x, r.y), br = canvas.toScreen(r.x + r.width, r.y + r.height)
            verify(tl.x >= 0 && tl.y >= 0 && br.x <= canvas.width && br.y <= canvas.height)
        }
    }
}
