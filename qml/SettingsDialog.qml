import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

// Models folders, output folder, device, precision, threads, preview method, theme (the theme
// applies as soon as it is picked; Cancel puts the previous one back) and the backends runs go
// to (applied at once).
Dialog {
    id: dialog
    title: qsTr("Settings")
    modal: true
    standardButtons: Dialog.Ok | Dialog.Cancel
    width: 560
    property string themeAtOpen: "dark"

    onAboutToShow: {
        models.text = editor.settings.modelsFolders.join("\n")
        output.text = editor.settings.outputFolder
        device.currentIndex = device.model.indexOf(editor.settings.device)
        precision.currentIndex = precision.model.indexOf(editor.settings.precision)
        threads.value = editor.settings.threads
        preview.currentIndex = preview.model.indexOf(editor.settings.previewMethod)
        themeAtOpen = editor.settings.theme
        theme.currentIndex = theme.model.indexOf(editor.settings.theme)
    }
    onAccepted: {
        editor.settings.modelsFolders = models.text.split("\n").filter(s => s.trim() !== "")
        editor.settings.outputFolder = output.text
        editor.settings.device = device.currentText
        editor.settings.precision = precision.currentText
        editor.settings.threads = threads.value
        editor.settings.previewMethod = preview.currentText
        editor.settings.theme = theme.currentText
    }
    onRejected: editor.settings.theme = themeAtOpen

    GridLayout {
        anchors.fill: parent
        columns: 2; columnSpacing: 12; rowSpacing: 8
        Label { text: qsTr("Models folders\n(one per line)") }
        TextArea { id: models; Layout.fillWidth: true; Layout.preferredHeight: 70; placeholderText: editor.settings.effectiveModelsFolders.join("\n") }
        Label { text: qsTr("Output folder") }
        TextField { id: output; Layout.fillWidth: true }
        Label { text: qsTr("Device") }
        ComboBox { id: device; model: ["auto", "cpu", "cuda"]; Layout.fillWidth: true }
        Label { text: qsTr("Precision") }
        ComboBox { id: precision; model: ["auto", "fp32", "fp16", "bf16"]; Layout.fillWidth: true }
        Label { text: qsTr("CPU threads (0 = all)") }
        SpinBox { id: threads; from: 0; to: 256; Layout.fillWidth: true }
        Label { text: qsTr("Preview method") }
        ComboBox { id: preview; model: ["auto", "latent2rgb", "taesd", "none"]; Layout.fillWidth: true }
        Label { text: qsTr("Theme") }
        ComboBox {
            id: theme
            objectName: "themeBox"
            model: editor.settings.themes
            Layout.fillWidth: true
            onActivated: editor.settings.theme = currentText
        }
        Label { text: qsTr("Backends"); Layout.alignment: Qt.AlignTop; Layout.topMargin: 10 }
        BackendList { Layout.fillWidth: true }
        Item { width: 1; height: 1; visible: systemNote.visible }
        Label {
            id: systemNote
            visible: theme.currentText === "system" && Qt.styleHints.colorScheme === undefined
            text: qsTr("This Qt cannot tell the system's colour scheme: dark is used.")
            color: Theme.textDim; font.pixelSize: Theme.smallFont
            Layout.fillWidth: true; wrapMode: Text.Wrap
        }
    }
}
