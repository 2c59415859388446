import QtQuick
import QtTest
import "../../qml"

// Moving around the canvas (space+drag, middle drag, touchpad, pinch) and autosave/recovery,
// with simulated input on the real QML and models.
Item {
    id: root
    width: 1280; height: 800

    GraphCanvas { id: canvas; anchors.fill: parent }

    TestCase {
        name: "CanvasNavigation"
        when: windowShown

        function init() {
            editor.document.newGraph()
            canvas.zoom = 1; canvas.panX = 100; canvas.panY = 100
            canvas.forceActiveFocus()
        }

        function test_spaceDragPansEvenOverANode() {
            const id = editor.document.addNode("KSampler", 0, 0)
            wait(50)
            const over = canvas.toScreen(40, 10)  // the node's title bar
            keyPress(Qt.Key_Space)
            verify(canvas.spaceHeld)
            mousePress(canvas, over.x, over.y)
            mouseMove(canvas, over.x + 60, over.y + 20)
            mouseMove(canvas, over.x + 120, over.y + 40)
            mouseRelease(canvas, over.x + 120, over.y + 40)
            keyRelease(Qt.Key_Space)
            verify(!canvas.spaceHeld)
            compare(canvas.panX, 220)
            compare(canvas.panY, 140)
            const n = editor.nodes.get(editor.nodes.rowOf(id))
            compare(n.x, 0)  // the node did not move
            compare(n.y, 0)
            verify(!editor.document.canUndo || editor.document.undoText.indexOf("Move") < 0)
        }

        function test_middleDragPans() {
            mousePress(canvas, 600, 400, Qt.MiddleButton)
            mouseMove(canvas, 550, 380, -1, Qt.MiddleButton)
            mouseMove(canvas, 500, 350, -1, Qt.MiddleButton)
            mouseRelease(canvas, 500, 350, Qt.MiddleButton)
            compare(canvas.panX, 0)
            compare(canvas.panY, 50)
            compare(canvas.zoom, 1)
        }

        function test_pinchZoomsAroundTheFingers() {
            const before = canvas.toCanvas(640, 400)
            const touch = touchEvent(canvas)
            touch.press(0, canvas, 590, 400).press(1, canvas, 690, 400).commit()
            for (let i = 1; i <= 10; ++i) {
                touch.move(0, canvas, 590 - 10 * i, 400).move(1, canvas, 690 + 10 * i, 400).commit()
                wait(5)
            }
            touch.release(0, canvas, 490, 400).release(1, canvas, 790, 400).commit()
            // Fingers 100 -> 300 px apart; the handler starts after its drag threshold, so it sees
            // part of that spread.
            verify(canvas.zoom > 1.2 && canvas.zoom <= 3.01, "zoom " + canvas.zoom)
            const after = canvas.toCanvas(640, 400)
            fuzzyCompare(after.x, before.x, 2)
            fuzzyCompare(after.y, before.y, 2)
        }

        function test_autosaveThenRecoverRestoresTheGraph() {
            const a = editor.document.addNode("KSampler", 10, 20)
            const b = editor.document.addNode("VAEDecode", 400, 20)
            verify(editor.document.connectPorts(a, 0, b, "samples"))
            verify(gui.autosave())
            editor.document.newGraph()
            compare(editor.nodes.count, 0)
            verify(gui.recover())
            compare(editor.nodes.count, 2)
            compare(editor.links.count, 1)
            compare(editor.document.displayName, "Recovered graph")
            verify(editor.document.modified)
            compare(editor.document.filePath, "")
        }
    }
}
