import QtQuick
import QtQuick.Controls.Basic

// Every shortcut and mouse gesture, over the canvas (F1 or ?; click or Esc to close).
Rectangle {
    id: overlay
    color: Theme.overlay
    readonly property var entries: [
        ["Run the graph", "Ctrl+Enter"], ["Cancel runs", "Esc"],
        ["Undo", "Ctrl+Z"], ["Redo", "Ctrl+Y, Ctrl+Shift+Z"],
        ["Copy / cut / paste", "Ctrl+C / Ctrl+X / Ctrl+V"], ["Duplicate", "Ctrl+D"],
        ["Delete", "Del, Backspace"], ["Select all", "Ctrl+A"],
        ["Group selection", "Ctrl+G"], ["Bypass / mute", "Ctrl+B / Ctrl+M"],
        ["Fit all / fit selection", "F / Shift+F"], ["New / open / save", "Ctrl+N / Ctrl+O / Ctrl+S"],
        ["Save as", "Ctrl+Shift+S"], ["This help", "F1, ?"],
        ["Add a node", "double-click the canvas, or right-click"], ["Pan", "middle drag, Space + drag, two fingers"],
        ["Zoom", "wheel, Ctrl + two fingers, pinch"], ["Box select", "drag on empty canvas (Ctrl/Shift adds)"],
        ["Link", "drag from a port to a port; drop on empty canvas to add a node"],
        ["Detach a link", "drag from a connected input"], ["Widget ↔ input", "right-click the widget / the port"],
        ["Rename a node", "double-click its title"]
    ]
    MouseArea { anchors.fill: parent; onClicked: overlay.visible = false }
    Keys.onEscapePressed: overlay.visible = false
    onVisibleChanged: if (visible) forceActiveFocus()

    Rectangle {
        anchors.centerIn: parent
        width: 620; height: grid.implicitHeight + 70
        radius: 10; color: Theme.panel; border.color: Theme.panelBorder
        Label { x: 20; y: 16; text: qsTr("Keyboard shortcuts and gestures"); font.pixelSize: 16; font.bold: true; color: Theme.text }
        Grid {
            id: grid
            x: 20; y: 50
            columns: 2; columnSpacing: 24; rowSpacing: 6
            Repeater {
                model: overlay.entries.length * 2
                Label {
                    readonly property var entry: overlay.entries[Math.floor(index / 2)]
                    text: index % 2 === 0 ? entry[0] : entry[1]
                    color: index % 2 === 0 ? Theme.textDim : Theme.text
                    font.family: index % 2 === 0 ? Qt.application.font.family : "monospace"
                    width: index % 2 === 0 ? 200 : 356
                    wrapMode: Text.Wrap
                }
            }
        }
    }
}
