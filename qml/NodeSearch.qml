import QtQuick
import QtQuick.Controls.Basic

// The node search popup (double-click on the canvas, or a link dropped on empty canvas): type to
// filter (fuzzy, by name, category and port type), arrows + Enter to add. With a pending link
// only nodes with a compatible port are listed, and the new node gets connected.
Popup {
    id: root
    property point canvasPos
    property var pendingLink: null
    readonly property alias query: field.text
    readonly property var results: editor.catalog.search(field.text,
                                                         pendingLink ? pendingLink.type : "",
                                                         pendingLink ? pendingLink.output : true, 40)
    signal chosen(string type, string port)

    width: 380; height: 360
    padding: 8
    modal: false
    focus: true
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside

    function open_(sx, sy, pos, link) {
        canvasPos = pos
        pendingLink = link
        field.text = ""
        x = Math.max(0, Math.min(sx, parent.width - width))
        y = Math.max(0, Math.min(sy, parent.height - height))
        open()
        field.forceActiveFocus()
        list.currentIndex = 0
    }
    function accept(index) {
        if (index < 0 || index >= results.length) return
        const r = results[index]
        close()
        chosen(r.type, r.port === undefined ? "" : String(r.port))
    }

    background: Rectangle { color: Theme.panel; border.color: Theme.panelBorder; radius: 8 }
    contentItem: Column {
        spacing: 6
        TextField {
            id: field
            objectName: "searchField"
            width: parent.width
            placeholderText: root.pendingLink ? qsTr("Nodes taking %1…").arg(root.pendingLink.type) : qsTr("Search nodes…")
            color: Theme.text; font.pixelSize: Theme.fontSize
            background: Rectangle { radius: 4; color: Theme.field; border.color: field.activeFocus ? Theme.accent : Theme.fieldBorder }
            onTextChanged: list.currentIndex = 0
            Keys.onDownPressed: list.currentIndex = Math.min(list.count - 1, list.currentIndex + 1)
            Keys.onUpPressed: list.currentIndex = Math.max(0, list.currentIndex - 1)
            Keys.onReturnPressed: root.accept(list.currentIndex)
            Keys.onEnterPressed: root.accept(list.currentIndex)
        }
        ListView {
            id: list
            objectName: "searchList"
            width: parent.width; height: root.availableHeight - field.height - 6
            clip: true
            model: root.results
            highlightMoveDuration: 0
            delegate: Rectangle {
                width: ListView.view.width; height: 34; radius: 4
                color: ListView.isCurrentItem ? Theme.listCurrent : (hov.containsMouse ? Theme.listHover : "transparent")
                Text {
                    x: 8; y: 3
                    text: modelData.displayName; color: Theme.text; font.pixelSize: Theme.fontSize
                }
                Text {
                    x: 8; y: 18
                    text: modelData.category + (modelData.port !== undefined && modelData.port !== "" ? "  ·  " + modelData.port : "")
                    color: Theme.textDim; font.pixelSize: 10
                }
                Rectangle {
                    anchors.right: parent.right; anchors.rightMargin: 8; anchors.verticalCenter: parent.verticalCenter
                    width: 8; height: 8; radius: 4; color: Theme.categoryColor(modelData.category)
                }
                MouseArea { id: hov; anchors.fill: parent; hoverEnabled: true; onClicked: root.accept(index) }
            }
        }
    }
}
