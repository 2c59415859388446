import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

// Settings > Backends: where runs go. This machine and ComfyUI / `tessera serve` servers (URL +
// optional token), each switchable; changes apply at once. With a server enabled, each run goes
// to the least busy backend that has the graph's nodes and models.
ColumnLayout {
    id: list
    property var backends: editor.backends
    spacing: 4

    Repeater {
        model: list.backends
        delegate: RowLayout {
            objectName: "backendRow" + index
            Layout.fillWidth: true
            CheckBox {
                objectName: "backendEnabled" + index
                checked: model.enabled
                onToggled: list.backends.setEnabled(index, checked)
            }
            Label {
                text: model.label + (model.hasToken ? qsTr("  (token)") : "")
                color: model.enabled ? Theme.text : Theme.textDim
                elide: Text.ElideMiddle
                Layout.fillWidth: true
            }
            Button {
                objectName: "backendRemove" + index
                text: qsTr("Remove")
                visible: !model.local
                onClicked: list.backends.remove(index)
            }
        }
    }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: url
            objectName: "backendUrl"
            placeholderText: "http://gpu-box:8188"
            Layout.fillWidth: true
            onAccepted: addButton.clicked()
        }
        TextField {
            id: token
            objectName: "backendToken"
            placeholderText: qsTr("token (optional)")
            echoMode: TextInput.Password
            Layout.preferredWidth: 130
        }
        Button {
            id: addButton
            objectName: "backendAdd"
            text: qsTr("Add")
            onClicked: if (list.backends.add(url.text, token.text)) { url.text = ""; token.text = "" }
        }
    }
    Label {
        objectName: "backendError"
        text: list.backends.error
        visible: text !== ""
        color: Theme.error
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
}
