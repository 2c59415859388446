import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Dialogs

// The image viewer panel (docked right; V toggles it): the selected output image with zoom and
// pan, a before/after compare split, the session's outputs newest first, and what to do with
// the file: drag it out, copy it, show it in its folder, save it elsewhere.
Rectangle {
    id: viewer
    color: Theme.panel
    property var history: editor.outputs
    property string currentUrl: ""      // the image shown; "" = the newest
    property bool compare: false
    readonly property int currentRow: { history.count; return currentUrl === "" ? (history.count > 0 ? 0 : -1) : history.rowOfUrl(currentUrl) }
    readonly property var current: { history.count; return currentRow >= 0 ? history.get(currentRow) : ({}) }
    readonly property string shownUrl: current.fileUrl || currentUrl
    readonly property var before: { history.count; return currentRow >= 0 ? history.beforeFor(currentRow) : ({}) }
    readonly property alias view: imageView
    readonly property alias dragSource: dragGrip
    readonly property alias strip: strip
    signal inpaintRequested(string url)

    // Shows `url` (an output image's file URL) and opens the panel.
    function show(url) {
        currentUrl = history.rowOfUrl(url) === 0 ? "" : url
        visible = true
    }

    Rectangle { width: 1; height: parent.height; color: Theme.panelBorder }

    ColumnLayout {
        anchors.fill: parent; anchors.leftMargin: 1
        spacing: 0

        RowLayout {  // what is shown, and closing
            Layout.fillWidth: true; Layout.margins: Theme.spacing
            Label {
                Layout.fillWidth: true
                elide: Text.ElideRight
                font.bold: true; color: Theme.text
                text: viewer.currentRow >= 0 ? qsTr("%1 · run #%2 · %3").arg(viewer.current.nodeTitle).arg(viewer.current.runId).arg(viewer.current.fileName)
                                             : qsTr("No output images yet: run the graph (Ctrl+Enter)")
            }
            ToolButton { text: "✕"; onClicked: viewer.visible = false; ToolTip.visible: hovered; ToolTip.text: qsTr("Close the viewer (V)") }
        }
        Flow {  // actions
            Layout.fillWidth: true; Layout.leftMargin: Theme.spacing; Layout.rightMargin: Theme.spacing
            spacing: 4
            enabled: imageView.ready
            ToolButton { text: qsTr("Fit"); onClicked: imageView.fit() }
            ToolButton { text: "100%"; onClicked: imageView.actualSize() }
            ToolButton {
                objectName: "compareButton"
                text: qsTr("Compare"); checked: viewer.compare
                enabled: viewer.before.fileUrl !== undefined
                onClicked: viewer.compare = !viewer.compare
                ToolTip.visible: hovered
                ToolTip.text: viewer.before.fileUrl ? qsTr("Before: %1").arg(viewer.before.label) : qsTr("Nothing earlier to compare with")
            }
            ToolButton { text: qsTr("Copy"); onClicked: gui.copyImageToClipboard(viewer.shownUrl) }
            ToolButton { text: qsTr("Folder"); onClicked: gui.openContainingFolder(viewer.shownUrl); ToolTip.visible: hovered; ToolTip.text: qsTr("Show in its folder") }
            ToolButton { text: qsTr("Save as…"); onClicked: saveDialog.open() }
            ToolButton {
                text: qsTr("Inpaint…"); onClicked: viewer.inpaintRequested(viewer.shownUrl)
                ToolTip.visible: hovered; ToolTip.text: qsTr("Paint a mask on this image and set up the inpainting graph")
            }
            ToolButton {
                id: dragGrip
                objectName: "dragOut"
                text: "⠿ " + qsTr("Drag")
                ToolTip.visible: hovered && !dragHandler.active
                ToolTip.text: qsTr("Drag the file into a file manager or another app")
                Drag.active: dragHandler.active
                Drag.dragType: Drag.Automatic
                Drag.supportedActions: Qt.CopyAction
                Drag.mimeData: ({"text/uri-list": viewer.shownUrl})
                DragHandler { id: dragHandler; target: null }
            }
        }

        ImageCompareView {
            id: imageView
            Layout.fillWidth: true; Layout.fillHeight: true; Layout.topMargin: 4
            source: viewer.shownUrl
            beforeSource: viewer.before.fileUrl || ""
            compare: viewer.compare && viewer.before.fileUrl !== undefined
        }

        RowLayout {  // size and zoom, and what "before" is
            Layout.fillWidth: true; Layout.margins: Theme.spacing
            Label {
                objectName: "sizeLabel"
                color: Theme.textDim
                text: imageView.ready ? qsTr("%1 × %2 px · %3%").arg(imageView.imageSize.width).arg(imageView.imageSize.height).arg(Math.round(imageView.zoom * 100)) : ""
            }
            Item { Layout.fillWidth: true }
            Label {
                visible: imageView.compare
                color: Theme.textDim; elide: Text.ElideLeft; Layout.maximumWidth: viewer.width / 2
                text: qsTr("Before: %1").arg(viewer.before.label || "")
            }
        }

        ListView {  // the session's outputs, newest first
            id: strip
            objectName: "outputStrip"
            Layout.fillWidth: true; Layout.preferredHeight: 92; Layout.bottomMargin: Theme.spacing
            Layout.leftMargin: Theme.spacing; Layout.rightMargin: Theme.spacing
            orientation: ListView.Horizontal
            spacing: 6; clip: true
            model: viewer.history
            currentIndex: viewer.currentRow
            delegate: Rectangle {
                required property int index
                required property string fileUrl
                required property int runId
                width: 76; height: 90; radius: 4
                color: ListView.isCurrentItem ? Theme.listCurrent : (hover.hovered ? Theme.listHover : "transparent")
                border.color: ListView.isCurrentItem ? Theme.accent : "transparent"
                Image {
                    x: 4; y: 4; width: 68; height: 68
                    source: parent.fileUrl
                    sourceSize: Qt.size(136, 136)
                    fillMode: Image.PreserveAspectFit
                    asynchronous: true
                }
                Text {
                    anchors.bottom: parent.bottom; anchors.bottomMargin: 3; anchors.horizontalCenter: parent.horizontalCenter
                    text: "#" + parent.runId; color: Theme.textDim; font.pixelSize: Theme.smallFont
                }
                HoverHandler { id: hover }
                TapHandler { onTapped: viewer.currentUrl = parent.index === 0 ? "" : parent.fileUrl }
            }
        }
    }

    FileDialog {
        id: saveDialog
        title: qsTr("Save the image as")
        fileMode: FileDialog.SaveFile
        nameFilters: [qsTr("PNG, keeps the graph (*.png)"), qsTr("JPEG (*.jpg *.jpeg)"), qsTr("WebP (*.webp)")]
        currentFile: viewer.shownUrl
        onAccepted: saveError.text = gui.saveImageAs(viewer.shownUrl, selectedFile)
    }
    Label {
        id: saveError
        visible: text !== ""
        anchors.bottom: parent.bottom; anchors.left: parent.left; anchors.right: parent.right; anchors.margins: Theme.spacing
        wrapMode: Text.Wrap; color: Theme.error
        background: Rectangle { color: Theme.errorBackground }
        MouseArea { anchors.fill: parent; onClicked: saveError.text = "" }
    }
}
