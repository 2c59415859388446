import QtQuick

// One image that zooms at the cursor (wheel, pinch) and pans (drag). With `compare` on, a second
// image (`beforeSource`, stretched over the first so they line up) shows left of a vertical
// split line that the mouse drags: before on the left, after on the right.
Item {
    id: view
    clip: true
    property url source
    property url beforeSource
    property bool compare: false
    property real split: 0.5  // the split line's x as a fraction of the width
    property real zoom: 1
    property real panX: 0     // where the image's top-left corner is in the view
    property real panY: 0
    readonly property real minZoom: 0.02
    readonly property real maxZoom: 64
    readonly property bool ready: after.status === Image.Ready
    readonly property size imageSize: Qt.size(after.implicitWidth, after.implicitHeight)
    readonly property bool beforeReady: before.status === Image.Ready
    readonly property alias splitHandle: handle
    signal userZoomed()

    property bool fitted: true  // follows the view's size until the user zooms or pans

    function toImage(x, y) { return Qt.point((x - panX) / zoom, (y - panY) / zoom) }
    // Zooms by `factor` keeping the image point under (x, y) where it is.
    function zoomAt(x, y, factor) {
        fitted = false
        const p = toImage(x, y)
        zoom = Math.max(minZoom, Math.min(maxZoom, zoom * factor))
        panX = x - p.x * zoom
        panY = y - p.y * zoom
    }
    function center() {
        panX = (width - imageSize.width * zoom) / 2
        panY = (height - imageSize.height * zoom) / 2
    }
    function fit() {
        fitted = true
        if (!ready || imageSize.width <= 0 || imageSize.height <= 0 || width <= 0 || height <= 0) return
        zoom = Math.max(minZoom, Math.min(maxZoom, Math.min(width / imageSize.width, height / imageSize.height)))
        center()
    }
    onWidthChanged: if (fitted) fit()
    onHeightChanged: if (fitted) fit()
    function actualSize() { zoomAt(width / 2, height / 2, 1 / zoom) }

    // A new image of another size starts fitted; one of the same size keeps the view (runs compare).
    property size shownSize: Qt.size(0, 0)
    onReadyChanged: if (ready && (imageSize.width !== shownSize.width || imageSize.height !== shownSize.height)) {
        shownSize = imageSize
        fit()
    }

    Rectangle { anchors.fill: parent; color: Theme.imageBackground }
    Image {
        id: after
        objectName: "afterImage"
        x: view.panX; y: view.panY
        width: implicitWidth * view.zoom; height: implicitHeight * view.zoom
        source: view.source
        cache: false
        smooth: view.zoom < 2  // zoomed in: crisp pixels
        mipmap: view.zoom < 0.5
    }
    Item {
        id: beforeClip
        visible: view.compare
        width: Math.round(view.split * view.width); height: view.height
        clip: true
        Image {
            id: before
            objectName: "beforeImage"
            x: view.panX; y: view.panY
            width: after.width; height: after.height
            source: view.compare ? view.beforeSource : ""
            cache: false
            smooth: after.smooth
            mipmap: after.mipmap
        }
    }

    // The mouse: drag the split line near it, pan elsewhere; the wheel zooms at the cursor.
    MouseArea {
        id: mouse
        anchors.fill: parent
        acceptedButtons: Qt.LeftButton | Qt.MiddleButton
        hoverEnabled: true
        property bool splitting: false
        property point last
        function nearSplit(x) { return view.compare && Math.abs(x - beforeClip.width) <= 8 }
        cursorShape: splitting || nearSplit(mouseX) ? Qt.SplitHCursor : (pressed ? Qt.ClosedHandCursor : Qt.OpenHandCursor)
        onPressed: (m) => {
            splitting = m.button === Qt.LeftButton && nearSplit(m.x)
            last = Qt.point(m.x, m.y)
        }
        onPositionChanged: (m) => {
            if (!pressed) return
            if (splitting) {
                view.split = Math.max(0, Math.min(1, m.x / view.width))
            } else {
                view.fitted = false
                view.panX += m.x - last.x
                view.panY += m.y - last.y
            }
            last = Qt.point(m.x, m.y)
        }
        onReleased: splitting = false
        onDoubleClicked: view.fit()
        onWheel: (w) => {
            const steps = (w.angleDelta.y !== 0 ? w.angleDelta.y : w.angleDelta.x) / 120
            view.zoomAt(w.x, w.y, Math.pow(1.2, steps))
            view.userZoomed()
        }
    }
    PinchHandler {
        target: null
        property real lastScale: 1
        onActiveChanged: lastScale = 1
        onActiveScaleChanged: {
            view.zoomAt(centroid.position.x, centroid.position.y, activeScale / lastScale)
            lastScale = activeScale
            view.userZoomed()
        }
    }

    // The split line with a grip in the middle, and what each side shows.
    Rectangle {
        visible: view.compare
        x: beforeClip.width - 1; width: 2; height: view.height
        color: Theme.splitLine
        Rectangle {
            id: handle
            anchors.centerIn: parent
            width: 26; height: 26; radius: 13
            color: Theme.splitLine; border.color: Theme.panelBorder
            Text { anchors.centerIn: parent; text: "◀▶"; font.pixelSize: 9; color: Theme.splitGrip }
        }
    }
    Repeater {
        model: view.compare ? [[qsTr("Before"), true], [qsTr("After"), false]] : []
        Rectangle {
            required property var modelData
            x: modelData[1] ? 8 : view.width - width - 8; y: 8
            width: tag.implicitWidth + 12; height: tag.implicitHeight + 6; radius: 4
            color: Theme.panel; opacity: 0.85
            Text { id: tag; anchors.centerIn: parent; text: parent.modelData[0]; color: Theme.text; font.pixelSize: Theme.smallFont }
        }
    }
}
