pragma Singleton
import QtQuick

// Colours, sizes and spacing of the editor, in one place (dark theme).
QtObject {
    readonly property color window: "#17191d"
    readonly property color panel: "#1f2228"
    readonly property color panelBorder: "#2e323a"
    readonly property color canvas: "#1c1e22"
    readonly property color gridMinor: "#24272c"
    readonly property color gridMajor: "#2c3036"
    readonly property color node: "#2a2d34"
    readonly property color nodeBorder: "#3a3f49"
    readonly property color field: "#1f2228"
    readonly property color fieldBorder: "#3b404a"
    readonly property color fieldHover: "#4a505c"
    readonly property color text: "#e4e6eb"
    readonly property color textDim: "#9aa1ad"
    readonly property color accent: "#4c8dff"
    readonly property color selection: "#f0f3f8"
    readonly property color error: "#e5484d"
    readonly property color running: "#f5a524"
    readonly property color done: "#46a758"
    readonly property color cached: "#3aa3a3"
    readonly property color queued: "#6e7bff"
    readonly property color bypass: "#9b59d0"
    readonly property int spacing: 8
    readonly property int radius: 6
    readonly property int fontSize: 12
    readonly property int smallFont: 11
    readonly property int titleFont: 13

    // A stable colour per node category (title bars).
    function categoryColor(category) {
        const palette = ["#35507a", "#5a3f7a", "#2f6b5a", "#7a5230", "#2f5f7a", "#6b3a4a", "#4f6b2f", "#5f5f2f"];
        const root = (category || "").split("/")[0];
        let h = 0;
        for (let i = 0; i < root.length; ++i)
            h = (h * 31 + root.charCodeAt(i)) % 1000003;
        return palette[h % palette.length];
    }
    function stateColor(state) {
        switch (state) {
        case "queued": return queued;
        case "running": return running;
        case "cached": return cached;
        case "done": return done;
        case "failed": return error;
        }
        return "transparent";
    }
}
