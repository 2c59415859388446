import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

// Sweeps: one or two widgets, each with its values ("KSampler.denoise" / "0.3:0.9:0.15", as on the
// command line), run over the grid; cells show their image as they finish, and clicking one sets
// its values on the graph (one undo step).
Rectangle {
    id: panel
    width: 460
    height: Math.min(parent ? parent.height - 24 : 700, column.implicitHeight + 24)
    radius: 8
    color: Theme.panel; border.color: Theme.panelBorder
    readonly property var sweep: editor.sweep
    readonly property int cellSize: Math.max(48, Math.min(160, Math.floor((width - 24 - rowLabelWidth) / Math.max(1, sweep.columns)) - 4))
    readonly property int rowLabelWidth: sweep.rowAxis ? 64 : 0

    ColumnLayout {
        id: column
        x: 12; y: 12; width: parent.width - 24
        spacing: 6
        Label { text: qsTr("Sweep"); font.bold: true; color: Theme.text }
        GridLayout {
            columns: 3; columnSpacing: 6; rowSpacing: 4
            Layout.fillWidth: true
            Label { text: qsTr("Across"); color: Theme.textDim }
            TextField {
                objectName: "sweepXWidget"; Layout.preferredWidth: 170
                placeholderText: "KSampler.denoise"; text: sweep.xWidget
                onTextEdited: sweep.xWidget = text
            }
            TextField {
                objectName: "sweepXValues"; Layout.fillWidth: true
                placeholderText: "0.3:0.9:0.15"; text: sweep.xValues
                onTextEdited: sweep.xValues = text
            }
            Label { text: qsTr("Down"); color: Theme.textDim }
            TextField {
                objectName: "sweepYWidget"; Layout.preferredWidth: 170
                placeholderText: qsTr("KSampler.cfg (optional)"); text: sweep.yWidget
                onTextEdited: sweep.yWidget = text
            }
            TextField {
                objectName: "sweepYValues"; Layout.fillWidth: true
                placeholderText: "4,7,10"; text: sweep.yValues
                onTextEdited: sweep.yValues = text
            }
        }
        Label {
            Layout.fillWidth: true; wrapMode: Text.Wrap
            text: qsTr("Widgets: NODE.INPUT with a node id, title or type. Values: a:b:step, a list 4,7,10, or text variants a|b.")
            color: Theme.textDim; font.pixelSize: Theme.smallFont
        }
        RowLayout {
            spacing: 6
            Button { objectName: "sweepRun"; text: qsTr("Run sweep"); enabled: !sweep.running; onClicked: sweep.start() }
            Button { objectName: "sweepCancel"; text: qsTr("Cancel"); enabled: sweep.running; onClicked: sweep.cancel() }
            ProgressBar { Layout.fillWidth: true; visible: sweep.running; value: sweep.progress }
        }
        Label {
            objectName: "sweepStatus"
            Layout.fillWidth: true; wrapMode: Text.Wrap
            text: sweep.status; color: Theme.textDim; font.pixelSize: Theme.smallFont
        }

        // The grid: the first axis's values above the columns, the second's beside the rows.
        Label { visible: sweep.cells.length > 0; text: sweep.columnAxis; color: Theme.text; Layout.leftMargin: panel.rowLabelWidth }
        Row {
            visible: sweep.cells.length > 0
            Layout.leftMargin: panel.rowLabelWidth
            spacing: 4
            Repeater {
                model: sweep.columnLabels
                Label { width: panel.cellSize; horizontalAlignment: Text.AlignHCenter; elide: Text.ElideRight; text: modelData; color: Theme.textDim }
            }
        }
        Label { visible: sweep.rowAxis !== "" && sweep.cells.length > 0; text: sweep.rowAxis; color: Theme.text }
        Flickable {
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(contentHeight, 420)
            contentHeight: grid.height
            clip: true
            Row {
                spacing: 0
                Column {
                    width: panel.rowLabelWidth
                    spacing: 4
                    Repeater {
                        model: sweep.rowLabels
                        Label { width: panel.rowLabelWidth - 4; height: panel.cellSize; verticalAlignment: Text.AlignVCenter; elide: Text.ElideRight; text: modelData; color: Theme.textDim }
                    }
                }
                Grid {
                    id: grid
                    columns: Math.max(1, sweep.columns)
                    spacing: 4
                    Repeater {
                        model: sweep.cells
                        Rectangle {
                            objectName: "sweepCell" + index
                            width: panel.cellSize; height: panel.cellSize
                            color: Theme.field; border.color: cellMouse.containsMouse ? Theme.accent : Theme.fieldBorder
                            readonly property bool done: modelData.imageUrl !== ""
                            Image {
                                objectName: "sweepCellImage"
                                anchors.fill: parent; anchors.margins: 1
                                fillMode: Image.PreserveAspectFit
                                asynchronous: true
                                source: modelData.imageUrl
                            }
                            BusyIndicator { anchors.centerIn: parent; width: 24; height: 24; running: sweep.running && !parent.done; visible: running }
                            MouseArea {
                                id: cellMouse
                                anchors.fill: parent
                                hoverEnabled: true
                                onClicked: sweep.applyCell(index)
                            }
                            ToolTip.visible: cellMouse.containsMouse
                            ToolTip.text: modelData.label + "\n" + qsTr("Click to use these values")
                        }
                    }
                }
            }
        }
    }
}
