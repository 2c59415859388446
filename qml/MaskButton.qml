import QtQuick

// A flat button of the mask editor's bars; with `checkable` it stays lit while checked. It never
// takes the keyboard focus, so the editor's keys keep working after a click.
Rectangle {
    id: root
    property string text
    property string tip
    property bool checkable: false
    property bool checked: false
    property bool primary: false
    signal clicked()

    implicitWidth: Math.max(28, label.implicitWidth + 16)
    implicitHeight: 24
    radius: 4
    opacity: enabled ? 1 : 0.4
    color: primary ? (area.pressed ? "#2f6ad6" : Theme.accent)
         : checked ? "#36507e"
         : area.pressed ? "#3a4050" : area.containsMouse ? "#333842" : "#2b2f37"
    border.color: checked ? Theme.accent : Theme.fieldBorder

    Text {
        id: label
        anchors.centerIn: parent
        text: root.text; color: Theme.text
        font.pixelSize: Theme.smallFont; font.bold: root.primary
    }
    MouseArea {
        id: area
        anchors.fill: parent
        hoverEnabled: true
        onClicked: {
            if (root.checkable) root.checked = !root.checked
            root.clicked()
        }
    }
    ToolTipText { visible: area.containsMouse && root.tip !== ""; text: root.tip }
}
