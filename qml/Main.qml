import QtQuick
import QtQml
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Dialogs

// The editor window: menus, toolbar (run, queue), the canvas, the status bar, file dialogs,
// drag-and-drop, shortcuts, the help overlay, autosave and recovery, the image viewer panel.
ApplicationWindow {
    id: window
    width: 1440; height: 900
    visible: true
    title: (editor.document.modified ? "● " : "") + editor.document.displayName + " — Tessera"
    color: Theme.window
    property bool closeConfirmed: false
    property alias canvas: canvas
    property alias helpOverlay: help
    property alias imageViewer: viewer
    // Opens an output image in the viewer (NodeItem: double-click on an output image).
    function showImage(url) { viewer.show(url) }
    function openMaskEditor(nodeId) { return maskEditor.openFor(nodeId) }
    function inpaintImage(url) { return maskEditor.openForOutput(url) }
    function openSketchEditor(nodeId) { return sketchEditor.openFor(nodeId) }
    function openPoseEditor(nodeId) { return poseEditor.openFor(nodeId) }

    Binding { target: Theme; property: "mode"; value: editor.settings.theme }

    palette.window: Theme.panel
    palette.windowText: Theme.text
    palette.base: Theme.field
    palette.alternateBase: Theme.panel
    palette.text: Theme.text
    palette.button: Theme.button
    palette.buttonText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.light: Theme.buttonLight
    palette.midlight: Theme.buttonMidlight
    palette.mid: Theme.buttonMid
    palette.dark: Theme.buttonDark
    palette.shadow: Theme.shadow
    palette.placeholderText: Theme.textDim
    palette.toolTipBase: Theme.panel
    palette.toolTipText: Theme.text
    font.pixelSize: Theme.fontSize

    // ---- actions (menus, toolbar and shortcuts share them) ----
    Action { id: newAction; text: qsTr("&New"); onTriggered: window.confirmDiscard(() => editor.document.newGraph()) }
    Action { id: openAction; text: qsTr("&Open…"); onTriggered: window.confirmDiscard(() => openDialog.open()) }
    Action { id: saveAction; text: qsTr("&Save"); onTriggered: window.save() }
    Action { id: saveAsAction; text: qsTr("Save &As…"); onTriggered: saveDialog.open() }
    Action { id: exportWorkflowAction; text: qsTr("Export as ComfyUI &workflow…"); onTriggered: { exportDialog.apiPrompt = false; exportDialog.open() } }
    Action { id: exportPromptAction; text: qsTr("Export as ComfyUI API &prompt…"); onTriggered: { exportDialog.apiPrompt = true; exportDialog.open() } }
    Action { id: quitAction; text: qsTr("&Quit"); onTriggered: window.close() }
    Action { id: undoAction; text: qsTr("&Undo") + (editor.document.undoText ? " " + editor.document.undoText : ""); enabled: editor.document.canUndo; onTriggered: editor.document.undo() }
    Action { id: redoAction; text: qsTr("&Redo") + (editor.document.redoText ? " " + editor.document.redoText : ""); enabled: editor.document.canRedo; onTriggered: editor.document.redo() }
    Action { id: cutAction; text: qsTr("Cu&t"); onTriggered: canvas.cut() }
    Action { id: copyAction; text: qsTr("&Copy"); onTriggered: canvas.copy() }
    Action { id: pasteAction; text: qsTr("&Paste"); onTriggered: canvas.paste() }
    Action { id: duplicateAction; text: qsTr("&Duplicate"); onTriggered: canvas.duplicate() }
    Action { id: deleteAction; text: qsTr("De&lete"); onTriggered: canvas.deleteSelection() }
    Action { id: selectAllAction; text: qsTr("Select &all"); onTriggered: editor.nodes.selectAll() }
    Action { id: groupAction; text: qsTr("&Group selection"); onTriggered: canvas.group() }
    Action { id: bypassAction; text: qsTr("&Bypass"); onTriggered: canvas.toggleBypass() }
    Action { id: muteAction; text: qsTr("&Mute"); onTriggered: canvas.toggleMute() }
    Action { id: fitAllAction; text: qsTr("&Fit all"); onTriggered: canvas.fitAll() }
    Action { id: fitSelectionAction; text: qsTr("Fit &selection"); onTriggered: canvas.fitSelection() }
    Action { id: viewerAction; text: qsTr("&Image viewer"); onTriggered: viewer.visible = !viewer.visible }
    Action { id: minimapAction; text: qsTr("&Minimap"); checkable: true; checked: canvas.minimapVisible; onTriggered: canvas.minimapVisible = checked }
    Action { id: runAction; text: qsTr("&Run"); onTriggered: editor.runner.run() }
    Action { id: cancelAction; text: qsTr("&Cancel all"); enabled: editor.runner.running; onTriggered: editor.runner.cancelAll() }
    Action { id: freeMemoryAction; text: qsTr("&Free memory"); onTriggered: editor.runner.freeMemory() }
    Action { id: sweepAction; text: qsTr("S&weep…"); checkable: true; checked: sweepPanel.visible; onTriggered: sweepPanel.visible = checked }
    Action { id: helpAction; text: qsTr("&Keyboard shortcuts"); onTriggered: help.visible = !help.visible }
    Action { id: settingsAction; text: qsTr("Se&ttings…"); onTriggered: settingsDialog.open() }

    EditorShortcuts {
        canvas: window.canvas
        help: window.helpOverlay
        onSaveRequested: window.save()
        onSaveAsRequested: saveDialog.open()
        onOpenRequested: window.confirmDiscard(() => openDialog.open())
        onNewRequested: window.confirmDiscard(() => editor.document.newGraph())
    }
    Shortcut { sequences: [StandardKey.Quit]; onActivated: window.close() }
    Shortcut { sequences: ["V"]; onActivated: viewer.visible = !viewer.visible }

    function save() {
        if (editor.document.filePath === "") { saveDialog.open(); return }
        if (editor.document.save()) editor.settings.addRecentFile(editor.document.filePath)
    }
    function openFile(url) {
        if (editor.document.open(url)) {
            editor.settings.addRecentFile(url)
            Qt.callLater(canvas.fitAll)
        }
    }
    property var pendingAfterDiscard: null
    function confirmDiscard(then) {
        if (!editor.document.modified) { then(); return }
        pendingAfterDiscard = then
        unsavedDialog.open()
    }

    Component {
        id: recentItem
        MenuItem { property string file; onTriggered: window.confirmDiscard(() => window.openFile(file)) }
    }

    menuBar: MenuBar {
        Menu {
            title: qsTr("&File")
            HintMenuItem { action: newAction; hint: "Ctrl+N" }
            HintMenuItem { action: openAction; hint: "Ctrl+O" }
            Menu {
                id: recentMenu
                title: qsTr("Open &recent")
                enabled: editor.settings.recentFiles.length > 0
                onAboutToShow: {
                    while (recentMenu.count > 0) recentMenu.takeItem(0).destroy()
                    for (const f of editor.settings.recentFiles)
                        recentMenu.addItem(recentItem.createObject(recentMenu, {text: f, file: f}))
                }
            }
            Menu {
                id: examplesMenu
                title: qsTr("Open &example")
                enabled: gui.exampleFiles.length > 0
                onAboutToShow: {
                    while (examplesMenu.count > 0) examplesMenu.takeItem(0).destroy()
                    for (const f of gui.exampleFiles)
                        examplesMenu.addItem(recentItem.createObject(examplesMenu,
                            {text: f.substring(f.lastIndexOf("/") + 1).replace(".tessera", ""), file: f}))
                }
            }
            MenuSeparator {}
            HintMenuItem { action: saveAction; hint: "Ctrl+S" }
            HintMenuItem { action: saveAsAction; hint: "Ctrl+Shift+S" }
            MenuItem { action: exportWorkflowAction }
            MenuItem { action: exportPromptAction }
            MenuSeparator {}
            MenuItem { action: settingsAction }
            MenuSeparator {}
            HintMenuItem { action: quitAction; hint: "Ctrl+Q" }
        }
        Menu {
            title: qsTr("&Edit")
            HintMenuItem { action: undoAction; hint: "Ctrl+Z" }
            HintMenuItem { action: redoAction; hint: "Ctrl+Y" }
            MenuSeparator {}
            HintMenuItem { action: cutAction; hint: "Ctrl+X" }
            HintMenuItem { action: copyAction; hint: "Ctrl+C" }
            HintMenuItem { action: pasteAction; hint: "Ctrl+V" }
            HintMenuItem { action: duplicateAction; hint: "Ctrl+D" }
            HintMenuItem { action: deleteAction; hint: "Del" }
            MenuSeparator {}
            HintMenuItem { action: selectAllAction; hint: "Ctrl+A" }
            HintMenuItem { action: groupAction; hint: "Ctrl+G" }
            HintMenuItem { action: bypassAction; hint: "Ctrl+B" }
            HintMenuItem { action: muteAction; hint: "Ctrl+M" }
        }
        Menu {
            title: qsTr("&View")
            HintMenuItem { action: fitAllAction; hint: "F" }
            HintMenuItem { action: fitSelectionAction; hint: "Shift+F" }
            MenuItem { action: minimapAction }
            HintMenuItem { action: viewerAction; hint: "V" }
        }
        Menu {
            title: qsTr("&Run")
            HintMenuItem { action: runAction; hint: "Ctrl+Enter" }
            HintMenuItem { action: cancelAction; hint: "Esc" }
            MenuItem { action: freeMemoryAction }
            MenuSeparator {}
            MenuItem { action: sweepAction }
        }
        Menu {
            title: qsTr("&Help")
            HintMenuItem { action: helpAction; hint: "F1" }
        }
        background: Rectangle { color: Theme.panel; Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.panelBorder } }
    }

    header: ToolBar {
        height: 40
        background: Rectangle { color: Theme.panel; Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.panelBorder } }
        RowLayout {
            anchors.fill: parent; anchors.leftMargin: Theme.spacing; anchors.rightMargin: Theme.spacing
            spacing: Theme.spacing
            Button {
                id: runButton
                text: "▶  " + qsTr("Run")
                onClicked: editor.runner.run()
                ToolTip.visible: hovered; ToolTip.text: qsTr("Queue the graph (Ctrl+Enter)")
                background: Rectangle { radius: 4; color: runButton.down ? Theme.runDown : (runButton.hovered ? Theme.runHover : Theme.run) }
                contentItem: Text { text: runButton.text; color: Theme.accentText; font.bold: true; horizontalAlignment: Text.AlignHCenter; verticalAlignment: Text.AlignVCenter }
            }
            Button {
                text: qsTr("Cancel")
                enabled: editor.runner.running
                onClicked: editor.runner.cancelAll()
            }
            ProgressBar {
                Layout.preferredWidth: 160
                visible: editor.runner.running
                value: editor.runner.progress
            }
            ToolButton {
                text: qsTr("Queue (%1)").arg(editor.runner.queue.length)
                checkable: true
                checked: queuePanel.visible
                onToggled: queuePanel.visible = checked
            }
            Item { Layout.fillWidth: true }
            Label { text: Math.round(canvas.zoom * 100) + "%"; color: Theme.textDim }
            ToolButton { text: qsTr("Fit"); onClicked: canvas.fitAll() }
            ToolButton {
                objectName: "viewerButton"
                text: qsTr("Viewer"); checked: viewer.visible
                onClicked: viewer.visible = !viewer.visible
                ToolTip.visible: hovered; ToolTip.text: qsTr("Output images (V)")
            }
            ToolButton { text: "?"; onClicked: help.visible = !help.visible }
        }
    }

    footer: Rectangle {
        height: 26
        color: Theme.panel
        Rectangle { width: parent.width; height: 1; color: Theme.panelBorder }
        RowLayout {
            anchors.fill: parent; anchors.leftMargin: Theme.spacing; anchors.rightMargin: Theme.spacing
            Label {
                objectName: "statusError"
                text: editor.document.lastError
                color: Theme.error
                elide: Text.ElideRight
                Layout.fillWidth: text !== ""
                visible: text !== ""
            }
            Label {
                id: exportStatus
                objectName: "exportStatus"
                color: Theme.textDim
                elide: Text.ElideRight
                Layout.maximumWidth: parent.width / 2
                visible: text !== "" && editor.document.lastError === ""
                Timer { running: exportStatus.text !== ""; interval: 8000; onTriggered: exportStatus.text = "" }
            }
            Label {
                objectName: "pluginProblems"
                text: editor.pluginProblems.length ? qsTr("%n plugin(s) skipped", "", editor.pluginProblems.length) : ""
                color: Theme.error
                visible: text !== ""
                ToolTip.visible: pluginHover.hovered
                ToolTip.text: editor.pluginProblems.join("\n")
                HoverHandler { id: pluginHover }
            }
            Label {
                text: editor.runner.status
                color: Theme.textDim
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            Label {
                text: qsTr("%1 nodes · %2 links").arg(editor.nodes.count).arg(editor.links.count)
                color: Theme.textDim
            }
        }
    }

    GraphCanvas {
        id: canvas
        anchors.left: parent.left; anchors.top: parent.top; anchors.bottom: parent.bottom
        anchors.right: viewer.visible ? viewer.left : parent.right
        Component.onCompleted: Qt.callLater(fitAll)
        onPaintMaskRequested: (nodeId) => window.openMaskEditor(nodeId)
        onSketchRequested: (nodeId) => window.openSketchEditor(nodeId)
        onPoseRequested: (nodeId) => window.openPoseEditor(nodeId)
        onInpaintImageRequested: (url) => window.inpaintImage(url)
    }

    ImageViewer {
        id: viewer
        objectName: "imageViewer"
        onInpaintRequested: (url) => window.inpaintImage(url)
        visible: false
        anchors.right: parent.right; anchors.top: parent.top; anchors.bottom: parent.bottom
        width: Math.max(280, Math.min(parent.width * 0.4, preferredWidth))
        property real preferredWidth: 520
        MouseArea {  // the left edge resizes the panel
            width: 6; height: parent.height; x: -3
            cursorShape: Qt.SplitHCursor
            preventStealing: true
            onPositionChanged: (m) => viewer.preferredWidth = viewer.width - (m.x - 3)
        }
    }

    InpaintEditor {
        id: maskEditor
        objectName: "maskEditor"
        anchors.fill: parent
        z: 10
        onGraphUpdated: canvas.fitAll()
        onVisibleChanged: if (!visible) canvas.forceActiveFocus()
    }

    SketchEditor {
        id: sketchEditor
        objectName: "sketchEditor"
        anchors.fill: parent
        z: 10
        onVisibleChanged: if (!visible) canvas.forceActiveFocus()
    }

    PoseEditor {
        id: poseEditor
        objectName: "poseEditor"
        anchors.fill: parent
        z: 10
        onVisibleChanged: if (!visible) canvas.forceActiveFocus()
    }

    QueuePanel {
        id: queuePanel
        visible: false
        anchors.top: parent.top; anchors.left: parent.left; anchors.margins: 12
    }

    SweepPanel {
        id: sweepPanel
        objectName: "sweepPanel"
        visible: false
        anchors.top: parent.top; anchors.right: viewer.visible ? viewer.left : parent.right; anchors.margins: 12
    }

    HelpOverlay { id: help; anchors.fill: parent; visible: false }

    FileDropArea {
        anchors.fill: parent
        canvas: canvas
        onGraphDropped: (url) => window.confirmDiscard(() => window.openFile(url))
    }

    FileDialog {
        id: openDialog
        title: qsTr("Open a graph")
        nameFilters: [qsTr("Graphs (*.tessera *.json *.png)"), qsTr("All files (*)")]
        onAccepted: window.openFile(selectedFile)
    }
    FileDialog {
        id: saveDialog
        title: qsTr("Save the graph")
        fileMode: FileDialog.SaveFile
        defaultSuffix: "tessera"
        nameFilters: [qsTr("Tessera bundles (*.tessera)"), qsTr("Graph JSON (*.json)")]
        onAccepted: if (editor.document.saveAs(selectedFile)) editor.settings.addRecentFile(selectedFile)
    }
    FileDialog {
        id: exportDialog
        property bool apiPrompt: false
        title: apiPrompt ? qsTr("Export a ComfyUI API prompt") : qsTr("Export a ComfyUI workflow")
        fileMode: FileDialog.SaveFile
        defaultSuffix: "json"
        nameFilters: [qsTr("ComfyUI JSON (*.json)")]
        onAccepted: exportStatus.text = editor.document.exportToComfyUI(selectedFile, apiPrompt)
    }

    Dialog {
        id: unsavedDialog
        title: qsTr("Unsaved changes")
        anchors.centerIn: parent
        modal: true
        Label { text: qsTr("%1 has unsaved changes. Save them first?").arg(editor.document.displayName) }
        footer: DialogButtonBox {
            Button { text: qsTr("Save"); DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole }
            Button { text: qsTr("Discard"); DialogButtonBox.buttonRole: DialogButtonBox.DestructiveRole }
            Button { text: qsTr("Cancel"); DialogButtonBox.buttonRole: DialogButtonBox.RejectRole }
            onAccepted: { window.save(); unsavedDialog.close(); if (!editor.document.modified) window.continueAfterDiscard() }
            onDiscarded: { unsavedDialog.close(); window.continueAfterDiscard() }
            onRejected: { unsavedDialog.close(); window.pendingAfterDiscard = null }
        }
    }
    function continueAfterDiscard() {
        const then = pendingAfterDiscard
        pendingAfterDiscard = null
        if (then) then()
    }
    onClosing: (close) => {
        if (editor.document.modified && !closeConfirmed) {
            close.accepted = false
            confirmDiscard(() => { window.closeConfirmed = true; window.close() })
        }
    }

    Dialog {
        id: recoveryDialog
        title: qsTr("Recover your work?")
        anchors.centerIn: parent
        modal: true
        standardButtons: Dialog.Yes | Dialog.No
        Label { text: qsTr("Tessera did not close properly last time. Open the autosaved graph?") }
        onAccepted: { gui.recover(); Qt.callLater(canvas.fitAll) }
        onRejected: gui.discardRecovery()
    }
    Component.onCompleted: if (gui.recoveryAvailable && editor.document.filePath === "" && editor.nodes.count === 0) recoveryDialog.open()

    Timer {
        interval: 60000; repeat: true; running: true
        onTriggered: if (editor.document.modified) gui.autosave()
    }

    SettingsDialog { id: settingsDialog; anchors.centerIn: parent }

    Connections {
        target: editor.document
        function onGraphReset() { Qt.callLater(canvas.fitAll) }
    }
}
