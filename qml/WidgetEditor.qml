import QtQuick
import QtQuick.Controls.Basic

// The editor of one widget input of a node (number, slider, choice, text, toggle, seed), sized
// in whole canvas rows. Right-click offers "Convert to input".
Item {
    id: root
    property var input: ({})
    property var nodeId: 0
    readonly property string type: input.type || ""
    readonly property bool isSeed: (input.controlAfterGenerate || "") !== ""
    readonly property bool isMultiline: type === "STRING" && !!input.multiline
    // Rows of the canvas grid this widget takes (NodeItem stacks them).
    readonly property int rows: isSeed ? 2 : 1
    readonly property bool hasBounds: input.min !== undefined && input.min !== null && input.max !== undefined
                                      && input.max !== null
    implicitHeight: isMultiline ? gui.multilineHeight : rows * gui.rowHeight

    function set(value) {
        editor.document.setWidgetValue(root.nodeId, root.input.name, value)
    }

    Loader {
        id: loader
        anchors.fill: parent
        enabled: !root.input.readOnly  // a placeholder's values as its ComfyUI workflow kept them
        anchors.topMargin: 2; anchors.bottomMargin: 2
        sourceComponent: {
            if (root.isMultiline) return textArea
            if (root.isSeed) return seed
            switch (root.type) {
            case "INT": case "FLOAT": return number
            case "COMBO": return combo
            case "BOOLEAN": return toggle
            }
            return textField
        }
    }

    Component {
        id: number
        NumberField {
            label: root.input.name
            value: root.input.value
            minimum: root.input.min
            maximum: root.input.max
            isInt: root.type === "INT"
            step: root.input.step || (isInt ? 1 : 0.01)
            slider: root.type === "FLOAT" && root.hasBounds && (root.input.max - root.input.min) <= 10
            onCommitted: (v) => root.set(v)
        }
    }
    Component {
        id: seed
        Column {
            spacing: 4
            NumberField {
                width: parent.width; height: gui.rowHeight - 4
                label: root.input.name
                value: root.input.value
                minimum: root.input.min; maximum: root.input.max
                isInt: true; step: 1
                onCommitted: (v) => root.set(v)
            }
            ChoiceBox {
                width: parent.width; height: gui.rowHeight - 4
                label: "control after generate"
                model: ["fixed", "increment", "decrement", "randomize"]
                value: root.input.controlAfterGenerate
                onChosen: (v) => editor.document.setControlAfterGenerate(root.nodeId, root.input.name, v)
            }
        }
    }
    Component {
        id: combo
        ChoiceBox {
            label: root.input.name
            model: root.input.choices || []
            value: root.input.value
            onChosen: (v) => root.set(v)
        }
    }
    Component {
        id: toggle
        Rectangle {
            radius: height / 2; color: Theme.field; border.color: Theme.fieldBorder
            Text {
                anchors.left: parent.left; anchors.leftMargin: 12; anchors.verticalCenter: parent.verticalCenter
                text: root.input.name; color: Theme.textDim; font.pixelSize: Theme.smallFont
            }
            Rectangle {
                anchors.right: parent.right; anchors.rightMargin: 6; anchors.verticalCenter: parent.verticalCenter
                width: 28; height: 14; radius: 7
                color: root.input.value ? Theme.accent : Theme.toggleOff
                Rectangle {
                    width: 10; height: 10; radius: 5; y: 2; color: Theme.accentText
                    x: root.input.value ? parent.width - 12 : 2
                }
            }
            MouseArea { anchors.fill: parent; onClicked: root.set(!root.input.value) }
        }
    }
    Component {
        id: textField
        TextField {
            text: root.input.value === undefined ? "" : String(root.input.value)
            placeholderText: root.input.name
            color: Theme.text; font.pixelSize: Theme.smallFont
            leftPadding: 10; topPadding: 0; bottomPadding: 0
            background: Rectangle { radius: height / 2; color: Theme.field; border.color: parent.activeFocus ? Theme.accent : Theme.fieldBorder }
            onEditingFinished: if (text !== String(root.input.value)) root.set(text)
        }
    }
    Component {
        id: textArea
        ScrollView {
            clip: true
            background: Rectangle { radius: 4; color: Theme.field; border.color: Theme.fieldBorder }
            TextArea {
                text: root.input.value === undefined ? "" : String(root.input.value)
                placeholderText: root.input.name
                wrapMode: TextEdit.Wrap
                color: Theme.text; font.pixelSize: Theme.smallFont
                selectByMouse: true
                background: null
                onEditingFinished: if (text !== String(root.input.value)) root.set(text)
            }
        }
    }

    MouseArea {
        anchors.fill: parent
        acceptedButtons: Qt.RightButton
        onClicked: widgetMenu.popup()
    }
    Menu {
        id: widgetMenu
        MenuItem {
            text: qsTr("Convert to input")
            onTriggered: editor.document.setWidgetAsInput(root.nodeId, root.input.name, true)
        }
    }
}
