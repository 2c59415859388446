import QtQuick

// Files dropped on the window: graphs (.tessera, .json, PNGs carrying a graph) ask to open;
// any other image is copied into the input folder and becomes a Load Image node where it fell.
DropArea {
    id: area
    property var canvas
    signal graphDropped(string url)
    keys: ["text/uri-list"]
    onDropped: (drop) => handle(drop.urls, drop.x, drop.y)

    // `x`, `y` in this item's coordinates; returns the ids of the Load Image nodes made.
    function handle(urls, x, y) {
        const made = []
        for (const url of urls) {
            const u = url.toString()
            const png = u.toLowerCase().endsWith(".png")
            if (gui.isGraphFile(u) && (!png || gui.hasEmbeddedGraph(u))) {
                graphDropped(u)
            } else if (gui.isImageFile(u)) {
                const id = addImage(u, x + 30 * made.length, y + 30 * made.length)
                if (id >= 0) made.push(id)
            }
        }
        return made
    }
    function addImage(url, x, y) {
        const name = editor.document.importImage(url)  // handle() checked it is an image
        if (name === "") return -1
        const p = canvas.mapFromItem(area, x, y)
        const c = canvas.toCanvas(p.x, p.y)
        editor.document.beginMacro(qsTr("Drop image"))
        const id = editor.document.addNode("LoadImage", c.x, c.y)
        if (id >= 0) editor.document.setWidgetValue(id, "image", name)
        editor.document.endMacro()
        return id
    }
}
