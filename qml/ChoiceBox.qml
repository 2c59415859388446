import QtQuick
import QtQuick.Controls.Basic

// A compact combo box styled like the number fields: label left, the choice right.
ComboBox {
    id: root
    property string label
    property var value
    signal chosen(string value)

    implicitHeight: 20
    font.pixelSize: Theme.smallFont
    currentIndex: model ? Array.prototype.indexOf.call(model, value) : -1
    onActivated: (i) => root.chosen(root.textAt(i))

    background: Rectangle {
        radius: height / 2
        color: Theme.field
        border.color: root.hovered || root.popup.visible ? Theme.fieldHover : Theme.fieldBorder
    }
    contentItem: Item {
        Text {
            anchors.left: parent.left; anchors.leftMargin: 12; anchors.verticalCenter: parent.verticalCenter
            width: parent.width * 0.4; elide: Text.ElideRight
            text: root.label; color: Theme.textDim; font.pixelSize: Theme.smallFont
        }
        Text {
            anchors.right: parent.right; anchors.verticalCenter: parent.verticalCenter
            width: parent.width * 0.58; horizontalAlignment: Text.AlignRight; elide: Text.ElideMiddle
            text: root.currentIndex >= 0 ? root.displayText : (root.value === undefined ? "" : String(root.value))
            color: root.currentIndex >= 0 ? Theme.text : Theme.error
            font.pixelSize: Theme.smallFont
        }
    }
    indicator: Text {
        x: root.width - width - 8; anchors.verticalCenter: parent.verticalCenter
        text: "▾"; color: Theme.textDim; font.pixelSize: 10
    }
    rightPadding: 20
    delegate: ItemDelegate {
        width: ListView.view ? ListView.view.width : 200
        height: 24
        highlighted: root.highlightedIndex === index
        contentItem: Text { text: modelData; color: Theme.text; font.pixelSize: Theme.smallFont; verticalAlignment: Text.AlignVCenter; elide: Text.ElideMiddle }
        background: Rectangle { color: parent.highlighted ? Theme.listCurrent : "transparent" }
    }
    popup.background: Rectangle { color: Theme.panel; border.color: Theme.panelBorder; radius: 4 }
}
