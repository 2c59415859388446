import QtQuick
import QtQuick.Controls.Basic

// A menu item showing its shortcut on the right.
MenuItem {
    id: item
    property string hint
    contentItem: Item {
        implicitWidth: label.implicitWidth + hintLabel.implicitWidth + 40
        implicitHeight: label.implicitHeight
        Text {
            id: label
            anchors.verticalCenter: parent.verticalCenter
            text: item.text.replace("&", ""); color: item.enabled ? Theme.text : Theme.textDim
            font: item.font
        }
        Text {
            id: hintLabel
            anchors.right: parent.right; anchors.verticalCenter: parent.verticalCenter
            text: item.hint; color: Theme.textDim; font.pixelSize: Theme.smallFont
        }
    }
}
