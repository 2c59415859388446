pragma Singleton
import QtQuick

// Colours, sizes and spacing of the editor, in one place. `mode` follows the "theme" setting
// (Main.qml binds it): "dark", "light" or "system" (the platform's colour scheme where Qt
// reports one, Qt 6.5 and later; dark otherwise). Port and link colours are the same in both.
QtObject {
    property string mode: "dark"
    // Qt.styleHints.colorScheme: undefined before Qt 6.5; Qt::ColorScheme::Light is 1.
    readonly property bool systemLight: Qt.styleHints.colorScheme !== undefined && Qt.styleHints.colorScheme === 1
    readonly property bool light: mode === "light" || (mode === "system" && systemLight)

    readonly property color window: light ? "#e6e8ec" : "#17191d"
    readonly property color panel: light ? "#f5f6f8" : "#1f2228"
    readonly property color panelBorder: light ? "#cfd3da" : "#2e323a"
    readonly property color canvas: light ? "#eceef1" : "#1c1e22"
    readonly property color gridMinor: light ? "#e3e6ea" : "#24272c"
    readonly property color gridMajor: light ? "#d6dae0" : "#2c3036"
    readonly property color node: light ? "#ffffff" : "#2a2d34"
    readonly property color nodeBorder: light ? "#bfc5cf" : "#3a3f49"
    readonly property color field: light ? "#eef0f3" : "#1f2228"
    readonly property color fieldBorder: light ? "#c3c9d2" : "#3b404a"
    readonly property color fieldHover: light ? "#9aa3b0" : "#4a505c"
    readonly property color fieldFill: light ? "#c9dafa" : "#36507e"     // a slider's value part
    readonly property color text: light ? "#1b1f25" : "#e4e6eb"
    readonly property color textDim: light ? "#59616e" : "#9aa1ad"
    readonly property color accent: light ? "#2a6ae0" : "#4c8dff"
    readonly property color accentText: "#ffffff"                         // text and knobs on accent colours
    readonly property color selection: light ? "#1b1f25" : "#f0f3f8"
    readonly property color error: light ? "#d13438" : "#e5484d"
    readonly property color errorBackground: light ? "#fde7e8" : "#3a1d20"
    readonly property color errorText: light ? "#8c1d21" : "#ffb4b6"
    readonly property color noteText: light ? "#7a6412" : "#d8c98a"
    readonly property color unknownNode: light ? "#f2c4c4" : "#6b2a2a"   // title bar of a node of unknown type
    readonly property color running: "#f5a524"
    readonly property color done: "#46a758"
    readonly property color cached: "#3aa3a3"
    readonly property color queued: "#6e7bff"
    readonly property color bypass: "#9b59d0"
    readonly property color badgeText: "#101114"                        // on the state colours above

    // Controls (the window palette), lists, overlays.
    readonly property color button: light ? "#e3e6eb" : "#2b2f37"
    readonly property color buttonLight: light ? "#ffffff" : "#3a3f49"
    readonly property color buttonMidlight: light ? "#eef0f3" : "#333842"
    readonly property color buttonMid: light ? "#b7c3d6" : "#4a5568"      // checked tool buttons
    readonly property color buttonDark: light ? "#b4bac4" : "#16181c"
    readonly property color shadow: light ? "#80000000" : "#000000"
    readonly property color run: light ? "#2a7d3c" : "#347a42"
    readonly property color runHover: light ? "#308f45" : "#3b8a4a"
    readonly property color runDown: light ? "#267236" : "#2f6a3a"
    readonly property color listCurrent: light ? "#d3e1fb" : "#33405a"
    readonly property color listHover: light ? "#e8edf5" : "#2a2f3a"
    readonly property color toggleOff: light ? "#b9bfc9" : "#444a55"
    readonly property color overlay: light ? "#d8f4f5f7" : "#c0101114"  // behind the help
    readonly property color minimap: light ? "#e6ffffff" : "#cc15171b"
    readonly property color minimapView: light ? "#182a6ae0" : "#18ffffff"
    readonly property color minimapViewBorder: light ? "#aa2a6ae0" : "#aaffffff"
    readonly property color rubberBand: light ? "#222a6ae0" : "#224c8dff"
    readonly property color groupDefault: "#3f5f7f"
    // Links keep their type colours; on the light canvas a dark rim keeps pale ones readable.
    readonly property color linkOutline: light ? "#66000000" : "transparent"
    readonly property color imageBackground: light ? "#d9dce1" : "#121316"  // around images in the viewer
    readonly property color splitLine: "#ffffff"                        // the compare split, on any image
    readonly property color splitGrip: "#1b1f25"

    readonly property int spacing: 8
    readonly property int radius: 6
    readonly property int fontSize: 12
    readonly property int smallFont: 11
    readonly property int titleFont: 13

    // A stable colour per node category (title bars): deep tones under light text when dark,
    // pastels under dark text when light.
    function categoryColor(category) {
        const palette = light
            ? ["#c7d6f0", "#dccdef", "#c3e4d9", "#efd6bf", "#c2deec", "#eccbd5", "#d4e5bf", "#e5e5bf"]
            : ["#35507a", "#5a3f7a", "#2f6b5a", "#7a5230", "#2f5f7a", "#6b3a4a", "#4f6b2f", "#5f5f2f"];
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
