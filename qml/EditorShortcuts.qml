import QtQuick

// Every editing shortcut of the window in one place (the menus show the same keys as hints).
// Kept apart from the menus' Actions so the window and the QML tests install the same set.
Item {
    id: root
    property var canvas
    property var help  // the help overlay (toggled by F1 and ?)
    signal saveRequested()
    signal saveAsRequested()
    signal openRequested()
    signal newRequested()

    Shortcut { sequences: [StandardKey.Undo]; onActivated: editor.document.undo() }
    Shortcut { sequences: ["Ctrl+Y", "Ctrl+Shift+Z"]; onActivated: editor.document.redo() }
    Shortcut { sequences: [StandardKey.Copy]; onActivated: root.canvas.copy() }
    Shortcut { sequences: [StandardKey.Cut]; onActivated: root.canvas.cut() }
    Shortcut { sequences: [StandardKey.Paste]; onActivated: root.canvas.paste() }
    Shortcut { sequences: ["Ctrl+D"]; onActivated: root.canvas.duplicate() }
    Shortcut { sequences: ["Del", "Backspace"]; onActivated: root.canvas.deleteSelection() }
    Shortcut { sequences: ["Ctrl+A"]; onActivated: editor.nodes.selectAll() }
    Shortcut { sequences: ["Ctrl+G"]; onActivated: root.canvas.group() }
    Shortcut { sequences: ["Ctrl+B"]; onActivated: root.canvas.toggleBypass() }
    Shortcut { sequences: ["Ctrl+M"]; onActivated: root.canvas.toggleMute() }
    Shortcut { sequences: ["F"]; onActivated: root.canvas.fitAll() }
    Shortcut { sequences: ["Shift+F"]; onActivated: root.canvas.fitSelection() }
    Shortcut { sequences: ["Ctrl+Return", "Ctrl+Enter"]; onActivated: editor.runner.run() }
    Shortcut { sequences: ["Esc"]; onActivated: editor.runner.cancelAll() }
    Shortcut { sequences: ["F1", "?"]; onActivated: if (root.help) root.help.visible = !root.help.visible }
    Shortcut { sequences: [StandardKey.Save]; onActivated: root.saveRequested() }
    Shortcut { sequences: [StandardKey.SaveAs]; onActivated: root.saveAsRequested() }
    Shortcut { sequences: [StandardKey.Open]; onActivated: root.openRequested() }
    Shortcut { sequences: [StandardKey.New]; onActivated: root.newRequested() }
}
