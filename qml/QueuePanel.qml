import QtQuick
import QtQuick.Controls.Basic

// Pending and running runs, each with a cancel button.
Rectangle {
    id: panel
    width: 280
    height: Math.min(320, 40 + Math.max(1, list.count) * 34)
    radius: 8
    color: Theme.panel; border.color: Theme.panelBorder

    Label { x: 12; y: 10; text: qsTr("Queue"); font.bold: true; color: Theme.text }
    Label {
        x: 12; y: 40
        visible: list.count === 0
        text: qsTr("Nothing queued. Ctrl+Enter runs the graph.")
        color: Theme.textDim; font.pixelSize: Theme.smallFont
    }
    ListView {
        id: list
        x: 8; y: 34; width: parent.width - 16; height: parent.height - 40
        clip: true
        model: editor.runner.queue
        delegate: Item {
            width: ListView.view.width; height: 34
            Rectangle {
                x: 4; anchors.verticalCenter: parent.verticalCenter
                width: 8; height: 8; radius: 4
                color: modelData.state === "running" ? Theme.running : Theme.queued
            }
            Label {
                x: 18; anchors.verticalCenter: parent.verticalCenter; width: parent.width - 100; elide: Text.ElideRight
                text: modelData.title + (modelData.state === "running" ? "  " + Math.round(editor.runner.progress * 100) + "%" : "")
                color: Theme.text
            }
            Button {
                anchors.right: parent.right; anchors.verticalCenter: parent.verticalCenter
                height: 24
                text: qsTr("Cancel")
                onClicked: editor.runner.cancel(modelData.runId)
            }
        }
    }
}
