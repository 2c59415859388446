import QtQuick
import QtTest
import "../../qml"

// The sweep panel on the img2img example and the tiny reference model: widgets and values typed
// into the fields, Run sweep, cells filled with their images as they finish, a click on a cell
// sets its values on the graph (one undo step), bad axes explained, cancel.
Item {
    id: root
    width: 900; height: 900

    SweepPanel { id: panel; anchors.top: parent.top; anchors.left: parent.left }
    SignalSpy { id: finished; target: editor.sweep; signalName: "finished" }

    TestCase {
        name: "SweepPanel"
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
        function widgetValue(nodeId, name) {
            const inputs = editor.nodes.get(editor.nodes.rowOf(nodeId)).inputs
            for (const input of inputs) if (input.name === name) return input.value
            return undefined
        }
        function typeInto(name, text) {
            const field = findChild(panel, name)
            verify(field, name)
            field.selectAll()
            mouseClick(field)
            field.selectAll()
            keyClick(Qt.Key_Delete)
            for (const ch of text) keyClick(ch)
        }

        function init() {
            verify(editor.document.open(sourceDir + "/resources/examples/img2img.tessera"), editor.document.lastError)
            // Two steps keep each cell to a fraction of a second on the tiny model.
            verify(editor.document.setWidgetValue(nodeOfType("KSampler"), "steps", 2))
            verify(editor.document.setWidgetValue(nodeOfType("NoiseByStrength"), "steps", 2))
            finished.clear()
        }

        function test_cellsFillInAndAClickUsesTheirValues() {
            typeInto("sweepXWidget", "KSampler.cfg")
            typeInto("sweepXValues", "4,7.5")
            typeInto("sweepYWidget", "")
            compare(editor.sweep.xWidget, "KSampler.cfg")
            compare(editor.sweep.xValues, "4,7.5")
            mouseClick(findChild(panel, "sweepRun"))
            verify(editor.sweep.running)
            compare(editor.sweep.columnLabels, ["4", "7.5"])
            finished.wait(240000)
            verify(finished.signalArguments[0][0], finished.signalArguments[0][1])
            verify(editor.sweep.status.startsWith("Sweep finished: 2 cells"), editor.sweep.status)
            compare(editor.sweep.progress, 1)

            const cell = findItem(panel, "sweepCell1")
            verify(cell)
            verify(cell.done)
            const image = findItem(cell, "sweepCellImage")
            tryCompare(image, "status", Image.Ready)
            compare(testImages.size(image.source), testImages.size(sourceDir + "/resources/examples/src/source.png"))
            verify(String(image.source).indexOf("cfg-7.5") > 0, image.source)

            if (testScreenshotDir) grabImage(panel).save(testScreenshotDir + "/sweep-panel.png")

            const sampler = nodeOfType("KSampler")
            const before = widgetValue(sampler, "cfg")
            verify(before !== 7.5, before)
            mouseClick(cell)
            compare(widgetValue(sampler, "cfg"), 7.5)
            editor.document.undo()
            compare(widgetValue(sampler, "cfg"), before, "one undo step")
        }

        function test_badAxesSayWhyAndNothingRuns() {
            editor.sweep.xWidget = "Sampler.cfg"
            editor.sweep.xValues = "4"
            editor.sweep.yWidget = ""
            mouseClick(findChild(panel, "sweepRun"))
            verify(!editor.sweep.running)
            verify(findChild(panel, "sweepStatus").text.indexOf("no node is titled or of type 'Sampler'") >= 0,
                   findChild(panel, "sweepStatus").text)
        }

        function test_cancelStopsTheSweep() {
            editor.sweep.xWidget = "KSampler.seed"
            editor.sweep.xValues = "1:6"
            editor.sweep.yWidget = ""
            verify(editor.sweep.start())
            mouseClick(findChild(panel, "sweepCancel"))
            finished.wait(240000)
            compare(finished.signalArguments[0][0], false)
            verify(editor.sweep.status.startsWith("Sweep cancelled after"), editor.sweep.status)
            verify(!editor.sweep.running)
            const done = editor.sweep.cells.filter(c => c.imageUrl !== "").length
            verify(done < 6, done + " of 6 cells ran")
        }
    }
}
