import QtQuick
import QtTest
import "../../qml"

// The mask editor driven by simulated mouse and keys on the real MaskCanvas: what gets painted,
// erased, undone, saved and reloaded is read back pixel by pixel.
Item {
    id: root
    width: 1200; height: 800

    MaskEditor { id: maskEditor; anchors.fill: parent }
    Rectangle { id: smallPicture; width: 40; height: 30; color: "teal"; z: -1 }  // grabbed as an image of another size
    // Like the app window's shortcuts: the editor's keys must reach the editor, not these.
    Shortcut { id: appShortcuts; sequences: ["F", "Esc", "Ctrl+Z", "Ctrl+Y"]; property int hits: 0; onActivated: hits++ }
    SignalSpy { id: appliedSpy; target: maskEditor; signalName: "applied" }
    SignalSpy { id: cancelledSpy; target: maskEditor; signalName: "cancelled" }

    TestCase {
        name: "MaskEditor"
        when: windowShown
        readonly property string source: Qt.resolvedUrl("../../resources/examples/src/source.png")
        readonly property var canvas: maskEditor.canvas
        property int run: 0
        property string maskPath

        function init() {
            run += 1
            maskPath = testTempDir + "/mask" + run + ".png"
            verify(maskEditor.open(source, maskPath, {}))
            compare(canvas.lastError, "")
            appliedSpy.clear(); cancelledSpy.clear()
            appShortcuts.hits = 0
            canvas.brushRadius = 10; canvas.brushHardness = 1; canvas.brushOpacity = 1; canvas.brushFlow = 1
            canvas.eraser = false; canvas.maskVisible = true
            canvas.overlayColor = "#ff4040"; canvas.overlayOpacity = 0.5
            // Image pixel (x, y) is at item (10 + 1.25 x, 20 + 1.25 y).
            canvas.zoom = 1.25; canvas.panX = 10; canvas.panY = 20
        }
        // Canvas item position of the centre of image pixel (x, y).
        function at(x, y) { return canvas.fromImage(x + 0.5, y + 0.5) }
        function stroke(points, modifiers) {
            const first = at(points[0][0], points[0][1])
            mousePress(canvas, first.x, first.y, Qt.LeftButton, modifiers || Qt.NoModifier)
            for (let i = 1; i < points.length; ++i) {
                const p = at(points[i][0], points[i][1])
                mouseMove(canvas, p.x, p.y)
            }
            const last = at(points[points.length - 1][0], points[points.length - 1][1])
            mouseRelease(canvas, last.x, last.y, Qt.LeftButton, modifiers || Qt.NoModifier)
        }
        function click(x, y, modifiers) { stroke([[x, y]], modifiers) }
        // The colour drawn at canvas position p. grabImage renders a fresh frame; it crops by the item's
        // position in its parent, so grab the whole window.
        function shownAt(p) {
            const w = canvas.mapToItem(root, p.x, p.y)
            return grabImage(root).pixel(w.x, w.y)
        }

        function test_loadMakesAnEmptyMaskOfTheImageSize() {
            compare(canvas.imageWidth, 512)
            compare(canvas.imageHeight, 512)
            compare(canvas.maskValueAt(0, 0), 0)
            compare(canvas.maskValueAt(511, 511), 0)
            compare(canvas.maskValueAt(512, 0), -1)
            verify(!canvas.modified)
            verify(!canvas.canUndo)
        }

        function test_strokeCoversThePixelsUnderItOnly() {
            stroke([[100, 100], [150, 102], [200, 100]])
            compare(canvas.maskValueAt(100, 100), 255)
            compare(canvas.maskValueAt(150, 101), 255)
            compare(canvas.maskValueAt(200, 100), 255)
            compare(canvas.maskValueAt(150, 106), 255)   // within the radius (10)
            compare(canvas.maskValueAt(150, 125), 0)     // beyond it
            compare(canvas.maskValueAt(80, 100), 0)
            compare(canvas.maskValueAt(400, 400), 0)
            verify(canvas.modified)
            verify(canvas.canUndo)
        }

        function test_eraserRemovesPaint() {
            canvas.fill()
            keyClick(Qt.Key_E)
            verify(canvas.eraser)
            stroke([[50, 300], [250, 300]])
            compare(canvas.maskValueAt(150, 300), 0)
            compare(canvas.maskValueAt(50, 300), 0)
            compare(canvas.maskValueAt(150, 340), 255)
            keyClick(Qt.Key_B)
            verify(!canvas.eraser)
            stroke([[150, 300], [151, 300]])
            compare(canvas.maskValueAt(150, 300), 255)
        }

        function test_bracketKeysResizeTheBrush() {
            keyClick(Qt.Key_BracketRight)
            verify(canvas.brushRadius > 10)
            const grown = canvas.brushRadius
            keyClick(Qt.Key_BracketRight)
            verify(canvas.brushRadius > grown)
            keyClick(Qt.Key_BracketLeft); keyClick(Qt.Key_BracketLeft); keyClick(Qt.Key_BracketLeft)
            verify(canvas.brushRadius < 10)
            for (let i = 0; i < 30; ++i) keyClick(Qt.Key_BracketLeft)
            compare(canvas.brushRadius, 1)
        }

        function test_shiftClickDrawsAStraightLineFromTheLastStroke() {
            click(100, 300)
            compare(canvas.maskValueAt(100, 300), 255)
            compare(canvas.maskValueAt(200, 350), 0)
            click(300, 400, Qt.ShiftModifier)
            compare(canvas.maskValueAt(200, 350), 255)   // the midpoint
            compare(canvas.maskValueAt(300, 400), 255)
            compare(canvas.maskValueAt(200, 380), 0)
            keyClick(Qt.Key_Z, Qt.ControlModifier)      // the line is one undo step
            compare(canvas.maskValueAt(200, 350), 0)
            compare(canvas.maskValueAt(100, 300), 255)
        }

        function test_undoAndRedoRestoreTheValues() {
            stroke([[100, 100], [200, 100]])
            stroke([[100, 200], [200, 200]])
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(canvas.maskValueAt(150, 200), 0)
            compare(canvas.maskValueAt(150, 100), 255)
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(canvas.maskValueAt(150, 100), 0)
            verify(!canvas.canUndo)
            keyClick(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
            compare(canvas.maskValueAt(150, 100), 255)
            compare(canvas.maskValueAt(150, 200), 0)
            keyClick(Qt.Key_Y, Qt.ControlModifier)
            compare(canvas.maskValueAt(150, 200), 255)
            verify(!canvas.canRedo)
            compare(appShortcuts.hits, 0)
        }

        function test_fillInvertAndClear() {
            stroke([[100, 100], [200, 100]])
            canvas.invert()
            compare(canvas.maskValueAt(150, 100), 0)
            compare(canvas.maskValueAt(400, 400), 255)
            canvas.clear()
            compare(canvas.maskValueAt(400, 400), 0)
            canvas.fill()
            compare(canvas.maskValueAt(0, 0), 255)
            compare(canvas.maskValueAt(511, 511), 255)
            canvas.undo(); canvas.undo()
            compare(canvas.maskValueAt(400, 400), 255)
            compare(canvas.maskValueAt(150, 100), 0)
        }

        function test_saveWritesAPngThatLoadsToTheSameMask() {
            canvas.brushHardness = 0.2; canvas.brushOpacity = 0.6; canvas.brushRadius = 30
            stroke([[100, 100], [300, 250]])
            const soft = canvas.maskValueAt(200, 175)
            verify(soft > 0 && soft < 255, "a soft brush leaves values between 0 and 255, got " + soft)
            const digest = canvas.maskDigest()
            verify(canvas.saveMask(maskPath))
            verify(!canvas.modified)
            canvas.clear()
            verify(canvas.maskDigest() !== digest)
            verify(canvas.load(source, maskPath))
            compare(canvas.maskDigest(), digest)
            compare(canvas.maskValueAt(200, 175), soft)
        }

        function test_existingMaskFileIsLoaded() {
            verify(canvas.load(source, Qt.resolvedUrl("../../resources/examples/src/mask.png")))
            let painted = 0
            for (let y = 0; y < 512; y += 16)
                for (let x = 0; x < 512; x += 16)
                    if (canvas.maskValueAt(x, y) > 0) ++painted
            verify(painted > 0 && painted < 32 * 32, "painted samples: " + painted)
            verify(!canvas.modified)
        }

        function test_maskOfAnotherSizeIsRefusedAndNothingIsLost() {
            stroke([[100, 100], [200, 100]])
            verify(canvas.saveMask(maskPath))
            stroke([[100, 300], [200, 300]])
            const small = testTempDir + "/small.png"
            const grab = grabImage(smallPicture)
            compare(grab.width, 40)
            grab.save(small)  // throws when it cannot
            verify(!canvas.load(small, maskPath))
            verify(canvas.lastError.indexOf("512x512") >= 0, canvas.lastError)
            verify(canvas.lastError.indexOf("40x30") >= 0, canvas.lastError)
            compare(canvas.imageWidth, 512)
            compare(canvas.maskValueAt(150, 300), 255)
            verify(canvas.modified)
            verify(!canvas.load(testTempDir + "/missing.png", ""))
            verify(canvas.lastError.indexOf("missing.png") >= 0, canvas.lastError)
            compare(canvas.maskValueAt(150, 300), 255)
        }

        function test_zoomKeepsTheImagePointUnderTheCursor() {
            const before = canvas.toImage(300, 200)
            canvas.zoomAt(300, 200, 2)
            compare(canvas.zoom, 2.5)
            const after = canvas.toImage(300, 200)
            fuzzyCompare(after.x, before.x, 1e-6)
            fuzzyCompare(after.y, before.y, 1e-6)
            const underWheel = canvas.toImage(500, 400)
            mouseWheel(canvas, 500, 400, 0, -120)
            fuzzyCompare(canvas.zoom, 2.5 / 1.2, 1e-9)
            fuzzyCompare(canvas.toImage(500, 400).x, underWheel.x, 1e-6)
            fuzzyCompare(canvas.toImage(500, 400).y, underWheel.y, 1e-6)
            keyClick(Qt.Key_F)
            fuzzyCompare(canvas.zoom, 0.95 * Math.min(canvas.width, canvas.height) / 512, 1e-9)
            compare(appShortcuts.hits, 0)
        }

        function test_hoverTracksTheCursor() {
            mouseMove(canvas, 123, 234)
            verify(canvas.cursorInside)
            compare(canvas.cursorX, 123)
            compare(canvas.cursorY, 234)
            compare(canvas.maskValueAt(Math.floor((123 - 10) / 1.25), Math.floor((234 - 20) / 1.25)), 0)
        }

        function test_middleDragPansWithoutPainting() {
            const digest = canvas.maskDigest()
            mousePress(canvas, 300, 300, Qt.MiddleButton)
            mouseMove(canvas, 340, 280)
            mouseRelease(canvas, 340, 280, Qt.MiddleButton)
            compare(canvas.panX, 50)
            compare(canvas.panY, 0)
            compare(canvas.maskDigest(), digest)
        }

        // What is drawn: the overlay tints painted pixels, and hiding or undoing brings the image back.
        function test_overlayShowsThePaintedPixels() {
            canvas.overlayColor = "#ff0000"; canvas.overlayOpacity = 0.5
            const p = at(150, 100), far = at(150, 300)
            const before = shownAt(p), farBefore = shownAt(far)
            stroke([[100, 100], [200, 100]])
            const painted = shownAt(p)
            verify(painted.r > before.r + 0.1 && painted.b < before.b - 0.1, before + " -> " + painted)
            compare(String(shownAt(far)), String(farBefore))
            keyClick(Qt.Key_H)
            compare(String(shownAt(p)), String(before))
            keyClick(Qt.Key_H)
            keyClick(Qt.Key_Z, Qt.ControlModifier)
            compare(String(shownAt(p)), String(before))
        }

        function test_spaceDragPans() {
            const digest = canvas.maskDigest()
            keyPress(Qt.Key_Space)
            verify(canvas.spacePan)
            mousePress(canvas, 300, 300)
            mouseMove(canvas, 290, 340)
            mouseRelease(canvas, 290, 340)
            keyRelease(Qt.Key_Space)
            verify(!canvas.spacePan)
            compare(canvas.panX, 0)
            compare(canvas.panY, 60)
            compare(canvas.maskDigest(), digest)
            stroke([[100, 100], [200, 100]])
            compare(canvas.maskValueAt(150, 100), 255)
        }

        function test_hTogglesTheMask() {
            keyClick(Qt.Key_H)
            verify(!canvas.maskVisible)
            keyClick(Qt.Key_H)
            verify(canvas.maskVisible)
        }

        function test_applySavesTheMaskAndHandsBackTheOptions() {
            verify(maskEditor.open(source, maskPath, {grow: 8, method: "inpaint_model", padLeft: 64, denoise: 0.7}))
            compare(maskEditor.options.feather, 0)
            compare(maskEditor.options.padding, 32)
            compare(maskEditor.options.outpaintFeather, 40)
            stroke([[100, 100], [200, 100]])
            maskEditor.setOption("feather", 12)
            verify(maskEditor.apply())
            compare(appliedSpy.count, 1)
            const o = appliedSpy.signalArguments[0][0]
            compare(o.grow, 8)
            compare(o.method, "inpaint_model")
            compare(o.padLeft, 64)
            compare(o.feather, 12)
            compare(o.denoise, 0.7)
            compare(o.onlyMasked, false)
            compare(o.targetSize, 512)
            verify(!maskEditor.visible)
            verify(canvas.load(source, maskPath))
            compare(canvas.maskValueAt(150, 100), 255)
        }

        function test_escapeCancelsAndAsksFirstWhenPainted() {
            keyClick(Qt.Key_Escape)
            compare(cancelledSpy.count, 1)
            verify(!maskEditor.visible)
            maskEditor.open(source, maskPath, {})
            stroke([[100, 100], [200, 100]])
            keyClick(Qt.Key_Escape)
            compare(cancelledSpy.count, 1)
            verify(maskEditor.confirmingCancel)
            keyClick(Qt.Key_Escape)
            compare(cancelledSpy.count, 2)
            compare(appliedSpy.count, 0)
            compare(appShortcuts.hits, 0)
        }

        // With TESSERA_SCREENSHOT_DIR set: a painted mask over the example image, for the docs.
        function test_screenshot() {
            if (testScreenshotDir === "") skip("TESSERA_SCREENSHOT_DIR is not set")
            canvas.fitToView()
            canvas.brushRadius = 28; canvas.brushHardness = 0.6
            const pts = []
            for (let t = 0; t <= 40; ++t)
                pts.push([190 + 120 * Math.cos(t / 40 * 5.5), 250 + 80 * Math.sin(t / 40 * 5.5)])
            stroke(pts)
            canvas.brushRadius = 45
            const c = at(330, 360)
            mouseMove(canvas, c.x, c.y)
            grabImage(root).save(testScreenshotDir + "/mask-editor.png")
        }
    }
}
