import QtQuick
import QtTest
import "../../qml"

// Sketch-to-image in the editor: the Draw button of a PaintedSketch fed by the img2img example's
// Load Image opens the sketch editor over the faded picture; strokes drawn with the mouse (brush
// engine, undo) are saved as the node's sketch PNG and set on the node in one undo step. Without
// a picture the canvas is blank in the background colour. In colour each stroke keeps the colour
// picked for it (a swatch or the colour dialog), through undo, into the saved RGBA sketch.
Item {
    id: root
    width: 1400; height: 900

    GraphCanvas { id: canvas; anchors.fill: parent; onSketchRequested: (nodeId) => sketch.openFor(nodeId) }
    SketchEditor { id: sketch; anchors.fill: parent; z: 10 }
    SignalSpy { id: appliedSpy; target: sketch; signalName: "applied" }

    TestCase {
        name: "SketchEditor"
        when: windowShown
        readonly property var pad: sketch.canvas

        function findItem(item, name) {
            if (item.objectName === name) return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findItem(item.children[i], name)
                if (found) return found
            }
            return null
        }
        function nodeOfType(type) {
            for (let r = 0; r < editor.nodes.count; ++r)
                if (editor.nodes.get(r).type === type) return editor.nodes.get(r).nodeId
            return -1
        }
        function widgetOf(node, name) {
            const inputs = editor.nodes.get(editor.nodes.rowOf(node)).inputs
            for (let i = 0; i < inputs.length; ++i) if (inputs[i].name === name) return inputs[i].value
            return undefined
        }
        function at(x, y) { return pad.fromImage(x + 0.5, y + 0.5) }
        function stroke(points) {
            const first = at(points[0][0], points[0][1])
            mousePress(pad, first.x, first.y)
            for (let i = 1; i < points.length; ++i) { const p = at(points[i][0], points[i][1]); mouseMove(pad, p.x, p.y) }
            const last = at(points[points.length - 1][0], points[points.length - 1][1])
            mouseRelease(pad, last.x, last.y)
        }
        function shownAt(x, y) {
            const p = pad.mapToItem(root, at(x, y).x, at(x, y).y)
            return grabImage(root).pixel(p.x, p.y)
        }
        // The img2img example with a PaintedSketch fed by its Load Image.
        function openWithSketch() {
            verify(editor.document.open(sourceDir + "/resources/examples/img2img.tessera"), editor.document.lastError)
            const load = nodeOfType("LoadImage")
            const node = editor.document.addNode("PaintedSketch", 0, 700)
            verify(editor.document.connectPorts(load, 0, node, "image"), editor.document.lastError)
            return node
        }

        function test_1_drawOverThePictureAndApply() {
            const node = openWithSketch()
            canvas.fitAll()
            const button = findItem(canvas, "drawSketch_" + node)
            verify(button, "no Draw button")
            tryVerify(() => button.visible, 2000, "Draw button hidden at zoom " + canvas.zoom)
            mouseClick(button)
            verify(sketch.visible, editor.document.lastError)
            compare(pad.lastError, "")
            compare(pad.imageWidth, 512)
            compare(sketch.sketchFile, "source_sketch.png")
            compare(pad.imageFade, 0.7)  // the picture faded towards the black background
            pad.brushRadius = 6; pad.brushHardness = 1; pad.brushOpacity = 1
            pad.zoom = 1; pad.panX = 10; pad.panY = 10

            mouseClick(findItem(sketch, "swatch_#ff3b30"))
            compare(sketch.lineColor, "#ff3b30")
            stroke([[100, 200], [200, 200], [300, 210]])
            compare(pad.maskValueAt(200, 200), 255)
            compare(pad.maskValueAt(200, 230), 0)
            const red = shownAt(200, 200)
            verify(red.r > 0.94 && red.g < 0.3 && red.b < 0.3, "stroke shown as " + red)
            const faded = shownAt(200, 400)
            verify(faded.r < 0.43 && faded.g < 0.43 && faded.b < 0.43, "picture not faded: " + faded)

            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(pad.maskValueAt(200, 200), 0)
            keyClick(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
            compare(pad.maskValueAt(200, 200), 255)

            mouseClick(findItem(sketch, "sketchApplyButton"))
            verify(!sketch.visible, pad.lastError + editor.document.lastError)
            compare(appliedSpy.count, 1)
            compare(widgetOf(node, "sketch_file"), "source_sketch.png")
            compare(widgetOf(node, "line_color"), "#ff3b30")
            // The file holds the coverage: white strokes on black.
            compare(testImages.pixel(sketch.sketchPath, 200, 200), [255, 255, 255])
            compare(testImages.pixel(sketch.sketchPath, 200, 230), [0, 0, 0])
            editor.document.undo()  // one step undoes the whole apply
            compare(widgetOf(node, "line_color"), "#ffffff")
        }

        function test_2_blankCanvasTakesTheBackgroundColour() {
            verify(editor.document.open(sourceDir + "/resources/examples/img2img.tessera"), editor.document.lastError)
            const node = editor.document.addNode("PaintedSketch", 0, 700)
            verify(sketch.openFor(node), pad.lastError + editor.document.lastError)
            compare(sketch.imagePath, "")
            compare(pad.imageWidth, 512)
            pad.zoom = 1; pad.panX = 10; pad.panY = 10
            const black = shownAt(100, 100)
            verify(black.r < 0.04 && black.g < 0.04 && black.b < 0.04, "blank shown as " + black)
            sketch.background = "white"
            const white = shownAt(100, 100)
            verify(white.r > 0.96 && white.g > 0.96 && white.b > 0.96, "blank shown as " + white)
            keyClick(Qt.Key_Escape)  // nothing drawn: closes at once
            verify(!sketch.visible)
        }

        function sameColour(a, b) { return Qt.colorEqual(a, b) }

        function test_3_colourStrokesPickAndUndo() {
            const node = openWithSketch()
            verify(sketch.openFor(node), pad.lastError + editor.document.lastError)
            compare(sketch.colourStrokes, false)  // a new sketch starts black/white
            pad.brushRadius = 6; pad.brushHardness = 1; pad.brushOpacity = 1
            pad.zoom = 1; pad.panX = 10; pad.panY = 10

            mouseClick(findItem(sketch, "sketchModeColour"))
            verify(sketch.colourStrokes)
            waitForRendering(sketch)  // the colour swatches laid out
            mouseClick(findItem(sketch, "paint_#34c759"))
            compare(sketch.paintColor, "#34c759")
            stroke([[100, 200], [300, 200]])
            verify(sameColour(pad.colourAt(200, 200), "#34c759"), "painted " + pad.colourAt(200, 200))
            const green = shownAt(200, 200)
            verify(green.g > 0.7 && green.r < 0.3 && green.b < 0.4, "green stroke shown as " + green)

            // Any colour from the colour dialog, for the next stroke; the green one keeps its colour.
            mouseClick(findItem(sketch, "pickColourButton"))
            tryVerify(() => sketch.colourDialog.visible, 2000, "the colour dialog did not open")
            sketch.colourDialog.selectedColor = "#8040c0"
            sketch.colourDialog.accept()
            compare(sketch.paintColor, "#8040c0")
            stroke([[200, 100], [200, 300]])
            verify(sameColour(pad.colourAt(200, 200), "#8040c0"), "crossing painted " + pad.colourAt(200, 200))
            verify(sameColour(pad.colourAt(150, 200), "#34c759"), "first stroke now " + pad.colourAt(150, 200))
            const purple = shownAt(200, 200)
            verify(purple.r > 0.4 && purple.r < 0.6 && purple.b > 0.7 && purple.g < 0.35, "purple shown as " + purple)

            keyClick(Qt.Key_Z, Qt.ControlModifier)
            verify(sameColour(pad.colourAt(200, 200), "#34c759"), "after undo " + pad.colourAt(200, 200))
            compare(pad.maskValueAt(200, 120), 0)
            keyClick(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
            verify(sameColour(pad.colourAt(200, 200), "#8040c0"), "after redo " + pad.colourAt(200, 200))
            // The eraser takes colour and coverage away together.
            keyClick(Qt.Key_E)
            stroke([[280, 190], [280, 210]])
            compare(pad.maskValueAt(280, 200), 0)
            keyClick(Qt.Key_B)

            mouseClick(findItem(sketch, "sketchApplyButton"))
            verify(!sketch.visible, pad.lastError + editor.document.lastError)
            compare(widgetOf(node, "sketch_file"), sketch.sketchFile)
            // An RGBA sketch: each stroke's colour (alpha = coverage), what PaintedSketch reads.
            compare(testImages.pixel(sketch.sketchPath, 200, 200), [128, 64, 192])
            compare(testImages.pixel(sketch.sketchPath, 150, 200), [52, 199, 89])
            // Reopened, it is a colour sketch again.
            verify(sketch.openFor(node))
            verify(sketch.colourStrokes)
            verify(sameColour(pad.colourAt(150, 200), "#34c759"), "reopened " + pad.colourAt(150, 200))
            sketch.cancel()
        }

        // With TESSERA_SCREENSHOT_DIR set: a colour sketch over the example picture, for the docs.
        function test_4_screenshot() {
            if (testScreenshotDir === "") skip("TESSERA_SCREENSHOT_DIR is not set")
            const node = openWithSketch()
            verify(sketch.openFor(node))
            pad.fitToView()
            sketch.setColourStrokes(true)
            pad.brushRadius = 4; pad.brushHardness = 0.9
            const ring = (cx, cy, rx, ry, from, to) => {
                const pts = []
                for (let t = 0; t <= 40; ++t) {
                    const a = from + (to - from) * t / 40
                    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)])
                }
                return pts
            }
            sketch.paintColor = "#ffcc00"
            stroke(ring(256, 260, 150, 120, 0, 6.3))
            sketch.paintColor = "#007aff"
            stroke(ring(205, 235, 10, 10, 0, 6.3))
            stroke(ring(305, 235, 10, 10, 0, 6.3))
            sketch.paintColor = "#ff3b30"
            stroke(ring(256, 300, 55, 30, 0.3, 2.85))
            sketch.paintColor = "#34c759"
            stroke([[120, 470], [180, 430], [240, 470], [300, 430], [360, 470], [400, 440]])
            sketch.paintColor = "#af52de"
            grabImage(root).save(testScreenshotDir + "/sketch-editor.png")
            sketch.cancel(); sketch.cancel()
        }
    }
}
