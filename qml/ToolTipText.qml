import QtQuick

// A small tooltip below its parent, without the Controls focus and popup machinery.
Rectangle {
    property alias text: label.text
    y: parent.height + 4
    x: Math.min(0, parent.width - width)
    z: 100
    width: label.implicitWidth + 12; height: label.implicitHeight + 8
    radius: 3
    color: Theme.panel; border.color: Theme.panelBorder
    Text { id: label; anchors.centerIn: parent; color: Theme.text; font.pixelSize: Theme.smallFont }
}
