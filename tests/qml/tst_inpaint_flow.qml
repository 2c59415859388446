import QtQuick
import QtTest
import "../../qml"

// The inpainting loop as an artist does it: the img2img example, the Mask button on its Load
// Image node, a stroke painted with the mouse, "only the masked area", Apply, then a run on the
// tiny reference model. Pixels away from the stroke must come out exactly as in the source.
Item {
    id: root
    width: 1400; height: 900

    GraphCanvas {
        id: canvas
        anchors.fill: parent
        onPaintMaskRequested: (nodeId) => inpaint.openFor(nodeId)
    }
    InpaintEditor { id: inpaint; anchors.fill: parent; z: 10 }
    SignalSpy { id: finished; target: editor.runner; signalName: "runFinished" }

    TestCase {
        name: "InpaintFlow"
        when: windowShown

        // Repeater delegates are not QObject children, so findChild misses them: walk the items.
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
        function countOfType(type) {
            let n = 0
            for (let r = 0; r < editor.nodes.count; ++r) if (editor.nodes.get(r).type === type) ++n
            return n
        }

        function test_paintedMaskRunsOnTheTinyModelAndKeepsTheRest() {
            verify(editor.document.open(sourceDir + "/resources/examples/img2img.tessera"), editor.document.lastError)
            const load = nodeOfType("LoadImage")
            verify(load >= 0)
            canvas.fitAll()
            wait(50)

            const maskButton = findItem(canvas, "paintMask_" + load)
            verify(maskButton, "no mask button")
            tryVerify(() => maskButton.visible, 2000, "mask button hidden; zoom " + canvas.zoom + " detailed " + canvas.detailed)
            mouseClick(maskButton)
            verify(inpaint.visible, editor.document.lastError)
            const c = inpaint.canvas
            compare(c.imageWidth, 512)
            tryVerify(() => c.zoom > 0)

            // One horizontal stroke across the middle of the image, radius 30 image pixels.
            c.brushRadius = 30
            c.brushHardness = 1
            const a = c.fromImage(200, 256)
            mousePress(c, a.x, a.y)
            for (let i = 1; i <= 8; ++i) {
                const p = c.fromImage(200 + 14 * i, 256)
                mouseMove(c, p.x, p.y)
            }
            const b = c.fromImage(312, 256)
            mouseRelease(c, b.x, b.y)
            verify(c.maskValueAt(256, 256) > 250)
            compare(c.maskValueAt(256, 330), 0)
            compare(c.maskValueAt(20, 20), 0)

            mouseClick(findItem(inpaint, "onlyMaskedBox"))
            verify(inpaint.options.onlyMasked)
            inpaint.setOption("targetSize", 256)  // a smaller crop keeps the run short
            mouseClick(findItem(inpaint, "applyButton"))
            verify(!inpaint.visible)
            compare(countOfType("PaintedMask"), 1)
            compare(countOfType("InpaintCrop"), 1)
            compare(countOfType("InpaintStitch"), 1)
            compare(countOfType("SetLatentNoiseMask"), 1)
            if (testScreenshotDir !== "") {
                canvas.fitAll()
                wait(100)
                grabImage(root).save(testScreenshotDir + "/inpaint-graph.png")
            }

            // Two steps keep the run to seconds on the tiny model.
            verify(editor.document.setWidgetValue(nodeOfType("KSampler"), "steps", 2))
            verify(editor.document.setWidgetValue(nodeOfType("NoiseByStrength"), "steps", 2))
            finished.clear()
            verify(editor.runner.run() > 0)
            finished.wait(240000)
            verify(finished.signalArguments[0][1], finished.signalArguments[0][2])
            verify(editor.outputs.count > 0)
            const out = editor.outputs.get(0).filePath
            const source = sourceDir + "/resources/examples/src/source.png"
            compare(testImages.size(out), testImages.size(source))

            // Away from the stroke (radius 30, plus the stitch feather): bit-identical to the source.
            for (const [x, y] of [[10, 10], [500, 10], [10, 500], [500, 500], [256, 60], [256, 420], [60, 256], [450, 256]])
                compare(testImages.pixel(out, x, y), testImages.pixel(source, x, y), "pixel " + x + "," + y)
            // Under the stroke the model repainted (random tiny weights: anything but the source).
            let changed = 0
            for (let x = 210; x <= 300; x += 10)
                if (JSON.stringify(testImages.pixel(out, x, 256)) !== JSON.stringify(testImages.pixel(source, x, 256))) ++changed
            verify(changed >= 8, changed + " of 10 pixels under the stroke changed")
        }
    }
}
