import QtQuick
import QtQml
import QtTest
import "../../qml"

// The theme setting switches every colour at once, and text stays readable in each theme.
Item {
    id: root
    width: 900; height: 600
    Binding { target: Theme; property: "mode"; value: editor.settings.theme }
    GraphCanvas { id: canvas; anchors.fill: parent }

    TestCase {
        name: "Theme"
        when: windowShown

        function cleanup() { editor.settings.theme = "dark" }

        function luminance(value) {
            const c = Qt.color(String(value))
            const f = (v) => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)
            return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
        }
        function contrast(a, b) {
            const la = luminance(a), lb = luminance(b)
            return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
        }
        function grid() {
            for (let i = 0; i < canvas.children.length; ++i)
                if (canvas.children[i].majorColor !== undefined) return canvas.children[i]
            return null
        }

        function test_switchingToLightTakesEffectAtOnce() {
            editor.document.newGraph()
            verify(editor.document.addNode("KSampler", 0, 0) >= 0)
            compare(Theme.light, false)
            compare(String(canvas.linkLayer.outlineColor), "#00000000")
            const g = grid()
            verify(g)
            compare(String(g.color), String(Theme.gridMinor))
            const darkGrid = String(g.color)

            editor.settings.theme = "light"
            verify(Theme.light)
            compare(String(Theme.canvas), "#eceef1")
            compare(String(g.color), String(Theme.gridMinor))
            verify(String(g.color) !== darkGrid)
            compare(String(g.majorColor), String(Theme.gridMajor))
            compare(String(canvas.linkLayer.outlineColor), "#66000000")

            editor.settings.theme = "system"
            // Qt before 6.5 cannot tell the platform's scheme: "system" is dark there.
            compare(Theme.light, Qt.styleHints.colorScheme !== undefined && Qt.styleHints.colorScheme === 1)
        }

        function test_textIsReadableInBothThemes_data() {
            return [{tag: "dark", mode: "dark"}, {tag: "light", mode: "light"}]
        }
        function test_textIsReadableInBothThemes(data) {
            editor.settings.theme = data.mode
            const pairs = [["text", Theme.text, Theme.panel], ["text on node", Theme.text, Theme.node],
                           ["text on field", Theme.text, Theme.field], ["dim text", Theme.textDim, Theme.panel],
                           ["dim text on node", Theme.textDim, Theme.node], ["note", Theme.noteText, Theme.node],
                           ["error message", Theme.errorText, Theme.errorBackground],
                           ["run button", Theme.accentText, Theme.run], ["current row", Theme.text, Theme.listCurrent],
                           ["badge", Theme.badgeText, Theme.running]]
            for (const category of ["sampling", "loaders", "conditioning", "latent", "image", "mask", "advanced", "x"])
                pairs.push(["title " + category, Theme.text, Theme.categoryColor(category)])
            for (const [what, fg, bg] of pairs)
                verify(contrast(fg, bg) >= 4.5, what + ": contrast " + contrast(fg, bg).toFixed(2))
        }
    }
}
