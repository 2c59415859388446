import QtQuick

// A check box row of the mask editor's panel (focus-less, like MaskButton).
Item {
    id: root
    property string text
    property bool checked: false
    signal toggled(bool checked)

    implicitWidth: box.width + 6 + label.implicitWidth
    implicitHeight: 20
    Rectangle {
        id: box
        width: 14; height: 14; radius: 3
        anchors.verticalCenter: parent.verticalCenter
        color: root.checked ? Theme.accent : Theme.field
        border.color: area.containsMouse ? Theme.fieldHover : Theme.fieldBorder
        Text { anchors.centerIn: parent; text: "✓"; color: "white"; font.pixelSize: 10; visible: root.checked }
    }
    Text {
        id: label
        anchors.left: box.right; anchors.leftMargin: 6; anchors.verticalCenter: parent.verticalCenter
        text: root.text; color: Theme.text; font.pixelSize: Theme.smallFont
    }
    MouseArea {
        id: area
        anchors.fill: parent
        hoverEnabled: true
        onClicked: { root.checked = !root.checked; root.toggled(root.checked) }
    }
}
