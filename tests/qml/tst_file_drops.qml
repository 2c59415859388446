import QtQuick
import QtTest
import "../../qml"

// Files dropped on the window (FileDropArea.handle is what a real drop calls with its URLs).
Item {
    id: root
    width: 1280; height: 800

    GraphCanvas { id: canvas; anchors.fill: parent }
    FileDropArea { id: drops; anchors.fill: parent; canvas: canvas }
    SignalSpy { id: graphDrops; target: drops; signalName: "graphDropped" }

    TestCase {
        name: "FileDrops"
        when: windowShown

        function init() {
            editor.document.newGraph()
            canvas.zoom = 1; canvas.panX = 0; canvas.panY = 0
            graphDrops.clear()
        }
        function fileUrl(path) { return "file://" + path }

        function test_anImageBecomesALoadImageNodeWhereItFell() {
            const made = drops.handle([fileUrl(sourceDir + "/resources/examples/src/source.png")], 300, 200)
            compare(made.length, 1)
            compare(graphDrops.count, 0)
            const n = editor.nodes.get(editor.nodes.rowOf(made[0]))
            compare(n.type, "LoadImage")
            compare(n.x, 300)
            compare(n.y, 200)
            const image = n.inputs.find(i => i.name === "image")
            // Copied into the input folder, renamed when a file of that name is already there.
            verify(/^source(_[0-9]+)?\.png$/.test(image.value), image.value)
            editor.document.undo()  // the drop is one undo step
            compare(editor.nodes.count, 0)
        }

        function test_graphsAndPngsWithAGraphAskToOpen() {
            verify(testImages.writePng(testTempDir + "/with-graph.png", "prompt", "{}"))
            verify(testImages.writePng(testTempDir + "/plain.png", "", ""))
            const made = drops.handle([fileUrl(testTempDir + "/with-graph.png"),
                                       fileUrl(sourceDir + "/resources/examples/img2img.tessera"),
                                       fileUrl(testTempDir + "/plain.png")], 100, 100)
            compare(graphDrops.count, 2)
            verify(graphDrops.signalArguments[0][0].endsWith("with-graph.png"))
            verify(graphDrops.signalArguments[1][0].endsWith("img2img.tessera"))
            compare(made.length, 1)  // the plain PNG is an image
            compare(editor.nodes.get(editor.nodes.rowOf(made[0])).type, "LoadImage")
        }

        function test_otherFilesAreIgnored() {
            const made = drops.handle([fileUrl(sourceDir + "/README.md")], 100, 100)
            compare(made.length, 0)
            compare(graphDrops.count, 0)
            compare(editor.nodes.count, 0)
        }
    }
}
