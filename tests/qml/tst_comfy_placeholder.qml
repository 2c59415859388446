import QtQuick
import QtTest
import "../../qml"

// A ComfyUI node of a type Tessera lacks opens as a placeholder on the canvas that shows the widget
// values its workflow kept, read-only, and its outputs by name.
Item {
    id: root
    width: 1280; height: 800

    GraphCanvas { id: canvas; anchors.fill: parent }

    TestCase {
        name: "ComfyPlaceholder"
        when: windowShown

        function nodeItem(id) {
            for (let i = 0; i < canvas.world.children.length; ++i)
                if (canvas.world.children[i].objectName === "node_" + id) return canvas.world.children[i]
            return null
        }
        function widgetEditorNamed(item, name) {
            if (item.input !== undefined && item.rows !== undefined && item.input.name === name) return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = widgetEditorNamed(item.children[i], name)
                if (found) return found
            }
            return null
        }

        function test_unknownComfyNodeShowsItsKeptWidgetsReadOnly() {
            verify(editor.document.open(sourceDir + "/tests/qml/data/comfy_placeholder.json"))
            canvas.zoom = 1; canvas.panX = 100; canvas.panY = 100
            const row = editor.nodes.get(editor.nodes.rowOf(1))
            verify(row.unknownType)
            compare(row.outputs.length, 2)
            compare(row.outputs[0].name, "upscaled")
            tryVerify(() => nodeItem(1) !== null)
            const scale = widgetEditorNamed(nodeItem(1), "widget 1")
            verify(scale !== null)
            compare(scale.input.value, 2.5)
            verify(!scale.children[0].enabled)  // the Loader holding the number editor
            const method = widgetEditorNamed(nodeItem(1), "widget 2")
            verify(method !== null)
            compare(method.input.value, "lanczos")
        }
    }
}
