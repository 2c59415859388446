import QtQuick
import QtTest
import "../../qml"

// A node of a type ComfyUI deprecated offers the node that replaces it; a click swaps them, undoably.
Item {
    id: root
    width: 1280; height: 800

    GraphCanvas { id: canvas; anchors.fill: parent }

    TestCase {
        name: "ReplaceDeprecated"
        when: windowShown

        function findNamed(item, name) {
            if (item.objectName === name) return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findNamed(item.children[i], name)
                if (found) return found
            }
            return null
        }
        function countOfType(type) {
            let n = 0
            for (let i = 0; i < editor.nodes.count; ++i)
                if (editor.nodes.get(i).type === type) ++n
            return n
        }

        function test_clickReplacesTheOldControlNetNode() {
            // ComfyUI_examples' ControlNet workflow: node 10 is an "Apply ControlNet (OLD)".
            verify(editor.document.open(sourceDir + "/tests/cli/data/comfyui_corpus/controlnet__controlnet_example.json"))
            canvas.zoom = 1; canvas.panX = -300; canvas.panY = 100
            tryVerify(() => findNamed(canvas.world, "replaceWithSuccessor_10") !== null)
            const bar = findNamed(canvas.world, "replaceWithSuccessor_10")
            tryVerify(() => bar.item !== null && bar.visible)
            mouseClick(bar.item)
            compare(countOfType("ControlNetApply"), 0)
            compare(countOfType("ControlNetApplyAdvanced"), 1)
            compare(editor.document.undoText, "Replace ControlNetApply with Apply ControlNet")
            editor.document.undo()
            compare(countOfType("ControlNetApply"), 1)
            compare(countOfType("ControlNetApplyAdvanced"), 0)
        }
    }
}
