import QtQuick
import QtTest
import "../../qml"

// The image viewer panel on the session's output history, driven by simulated mouse events.
Item {
    id: root
    width: 900; height: 700

    ImageViewer { id: viewer; anchors.fill: parent }

    TestCase {
        name: "ImageViewer"
        when: windowShown
        readonly property string photo: Qt.resolvedUrl("../../resources/examples/src/source.png")
        readonly property string mask: Qt.resolvedUrl("../../resources/examples/src/mask.png")

        function init() {
            editor.outputs.clear()
            // Run 1 wrote `mask`, run 2 wrote `photo`, both from node 5; the graph read `photo`.
            editor.outputs.addImage(mask, 5, "Save Image", 1, photo)
            editor.outputs.addImage(photo, 5, "Save Image", 2, photo)
            viewer.compare = false
            viewer.view.split = 0.5
            viewer.show(photo)
            tryVerify(() => viewer.view.ready)
            viewer.view.fit()
        }

        function test_opensTheImageFittedWithItsPixelSize() {
            compare(viewer.currentRow, 0)
            compare(viewer.view.imageSize.width, 512)
            compare(viewer.view.imageSize.height, 512)
            const v = viewer.view
            fuzzyCompare(v.zoom, Math.min(v.width, v.height) / 512, 1e-6)
            const label = findChild(viewer, "sizeLabel")
            compare(label.text, "512 × 512 px · " + Math.round(v.zoom * 100) + "%")
        }

        function test_wheelZoomKeepsTheImagePointUnderTheCursor() {
            const v = viewer.view
            const at = Qt.point(Math.round(v.width * 0.3), Math.round(v.height * 0.6))  // events carry whole pixels
            const p0 = v.toImage(at.x, at.y)
            const z0 = v.zoom
            mouseWheel(v, at.x, at.y, 0, 120)
            fuzzyCompare(v.zoom, z0 * 1.2, 1e-6)
            mouseWheel(v, at.x, at.y, 0, 360)
            fuzzyCompare(v.zoom, z0 * Math.pow(1.2, 4), 1e-6)
            const p1 = v.toImage(at.x, at.y)
            fuzzyCompare(p1.x, p0.x, 1e-6)
            fuzzyCompare(p1.y, p0.y, 1e-6)
            // The item really moved: the image's pixel at p0 is drawn at the cursor.
            const img = findChild(v, "afterImage")
            const shown = v.mapFromItem(img, p0.x * v.zoom, p0.y * v.zoom)
            fuzzyCompare(shown.x, at.x, 1e-3)
            fuzzyCompare(shown.y, at.y, 1e-3)
            mouseWheel(v, 10, 10, 0, -120)
            fuzzyCompare(v.zoom, z0 * Math.pow(1.2, 3), 1e-6)
        }

        function test_dragPansAndFitRestores() {
            const v = viewer.view
            const x0 = v.panX, y0 = v.panY
            mousePress(v, 200, 200)
            mouseMove(v, 230, 210)
            mouseMove(v, 260, 220)
            mouseRelease(v, 260, 220)
            fuzzyCompare(v.panX, x0 + 60, 1e-6)
            fuzzyCompare(v.panY, y0 + 20, 1e-6)
            v.actualSize()
            compare(v.zoom, 1)
            v.fit()
            fuzzyCompare(v.panX, x0, 1e-6)
        }

        function test_compareRevealsBeforeLeftOfTheDraggedSplit() {
            compare(viewer.before.fileUrl, mask)  // the node's previous output
            compare(viewer.before.label, "Run #1")
            mouseClick(findChild(viewer, "compareButton"))
            verify(viewer.view.compare)
            verify(findChild(viewer, "compareButton").checked)
            tryVerify(() => viewer.view.beforeReady)
            const v = viewer.view
            const beforeClip = findChild(v, "beforeImage").parent
            fuzzyCompare(beforeClip.width, v.width / 2, 1)
            const y = v.height / 2 + 40  // below the grip
            const pan = Qt.point(v.panX, v.panY)
            mousePress(v, v.width / 2, y)
            mouseMove(v, v.width * 0.4, y)
            mouseMove(v, v.width * 0.25, y)
            mouseRelease(v, v.width * 0.25, y)
            fuzzyCompare(v.split, 0.25, 1e-3)
            fuzzyCompare(beforeClip.width, v.width * 0.25, 1)
            compare(Qt.point(v.panX, v.panY), pan, "dragging the split does not pan")
            // The first output of the node compares with the graph's input image.
            viewer.show(mask)
            compare(viewer.before.fileUrl, photo)
            compare(viewer.before.label, "Input image")
        }

        function test_dragOutCarriesTheFileUrl() {
            const grip = viewer.dragSource
            compare(grip.Drag.dragType, Drag.Automatic)
            compare(grip.Drag.mimeData["text/uri-list"], photo)
            viewer.show(mask)
            compare(grip.Drag.mimeData["text/uri-list"], mask)
        }

        function test_stripListsNewestFirstAndPicks() {
            const strip = viewer.strip
            compare(strip.count, 2)
            compare(strip.currentIndex, 0)
            editor.outputs.addImage(mask, 9, "Preview Image", 3)
            compare(viewer.currentRow, 0, "showing the newest follows new outputs")
            compare(viewer.shownUrl, mask)
            strip.forceLayout()
            const second = strip.itemAtIndex(1)
            verify(second)
            mouseClick(second)
            compare(viewer.currentRow, 1)
            compare(viewer.shownUrl, photo)
            editor.outputs.addImage(mask, 9, "Preview Image", 4)
            compare(viewer.currentRow, 2, "a picked image stays shown when new ones arrive")
        }
    }
}
