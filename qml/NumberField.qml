import QtQuick

// A ComfyUI-style number widget: label left, value right, arrows at both ends. Drag sideways
// to change the value, click an arrow to step, double-click to type. Emits `committed`.
Rectangle {
    id: root
    property string label
    property var value: 0
    property var minimum
    property var maximum
    property real step: isInt ? 1 : 0.01
    property bool isInt: true
    // A slider: the fill shows where the value lies between minimum and maximum, dragging sets it.
    property bool slider: false
    signal committed(var value)

    implicitHeight: 20
    radius: height / 2
    color: Theme.field
    border.color: area.containsMouse || textEdit.activeFocus ? Theme.fieldHover : Theme.fieldBorder

    function clamp(v) {
        if (minimum !== undefined && minimum !== null && v < minimum) v = minimum
        if (maximum !== undefined && maximum !== null && v > maximum) v = maximum
        return isInt ? Math.round(v) : Math.round(v / step) * step
    }
    function format(v) {
        if (v === undefined || v === null) return ""
        if (isInt) return String(Math.round(v))
        const digits = step >= 1 ? 0 : Math.min(4, Math.max(1, Math.ceil(-Math.log10(step))))
        return Number(v).toFixed(digits)
    }
    function commit(v) {
        const c = clamp(v)
        if (c !== root.value) root.committed(c)
    }

    Rectangle {
        visible: root.slider && !textEdit.visible
        x: 1; y: 1; height: parent.height - 2; radius: parent.radius
        width: Math.max(0, (parent.width - 2) * Math.min(1, Math.max(0, (Number(root.value) - root.minimum) / (root.maximum - root.minimum))))
        color: Theme.fieldFill
    }
    Text {
        text: "‹"; color: Theme.textDim; font.pixelSize: 14
        anchors.left: parent.left; anchors.leftMargin: 6; anchors.verticalCenter: parent.verticalCenter
        visible: area.containsMouse
    }
    Text {
        text: "›"; color: Theme.textDim; font.pixelSize: 14
        anchors.right: parent.right; anchors.rightMargin: 6; anchors.verticalCenter: parent.verticalCenter
        visible: area.containsMouse
    }
    Text {
        anchors.left: parent.left; anchors.leftMargin: 16; anchors.verticalCenter: parent.verticalCenter
        width: parent.width * 0.55
        elide: Text.ElideRight
        text: root.label; color: Theme.textDim; font.pixelSize: Theme.smallFont
        visible: !textEdit.visible
    }
    Text {
        anchors.right: parent.right; anchors.rightMargin: 16; anchors.verticalCenter: parent.verticalCenter
        text: root.format(root.value); color: Theme.text; font.pixelSize: Theme.smallFont
        visible: !textEdit.visible
    }
    TextInput {
        id: textEdit
        visible: false
        anchors.fill: parent; anchors.leftMargin: 16; anchors.rightMargin: 16
        verticalAlignment: TextInput.AlignVCenter; horizontalAlignment: TextInput.AlignRight
        color: Theme.text; selectionColor: Theme.accent; font.pixelSize: Theme.smallFont
        selectByMouse: true
        onAccepted: { root.commit(Number(text)); visible = false }
        onActiveFocusChanged: if (!activeFocus) visible = false
        Keys.onEscapePressed: visible = false
    }
    MouseArea {
        id: area
        anchors.fill: parent
        hoverEnabled: true
        enabled: !textEdit.visible
        acceptedButtons: Qt.LeftButton
        cursorShape: Qt.SizeHorCursor
        preventStealing: true
        property real pressX: 0
        property var startValue: 0
        property bool dragged: false
        onPressed: (mouse) => { pressX = mouse.x; startValue = Number(root.value); dragged = false }
        onPositionChanged: (mouse) => {
            if (!pressed) return
            if (root.slider) {
                dragged = true
                root.commit(root.minimum + Math.min(1, Math.max(0, mouse.x / width)) * (root.maximum - root.minimum))
                return
            }
            const steps = Math.trunc((mouse.x - pressX) / 6)
            if (steps !== 0 || dragged) {
                dragged = true
                root.commit(startValue + steps * root.step)
            }
        }
        onClicked: (mouse) => {
            if (dragged) return
            if (root.slider && mouse.x >= 16 && mouse.x <= width - 16) {
                root.commit(root.minimum + (mouse.x / width) * (root.maximum - root.minimum))
                return
            }
            if (mouse.x < 16) root.commit(Number(root.value) - root.step)
            else if (mouse.x > width - 16) root.commit(Number(root.value) + root.step)
        }
        onDoubleClicked: (mouse) => {
            if (mouse.x < 16 || mouse.x > width - 16) return
            textEdit.text = root.format(root.value); textEdit.visible = true
            textEdit.forceActiveFocus(); textEdit.selectAll()
        }
    }
}
