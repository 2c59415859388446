import QtQuick

// The mask editor bound to the graph: opened on a LoadImage node (or an output image, which
// gets a LoadImage first), Apply saves the mask into the input folder and builds or updates the
// inpainting graph around the node as one undo step.
MaskEditor {
    id: inpaint
    property var target: -1      // the LoadImage node being masked
    property string maskFile     // its mask's name in the input folder
    signal graphUpdated(var nodeId)

    function openFor(nodeId) {
        const state = editor.document.inpaintState(nodeId)
        if (!state.imagePath) return false  // lastError says why (status bar)
        target = nodeId
        maskFile = state.maskFile
        return open(state.imagePath, state.maskPath, state.options)
    }
    function openForOutput(url) {
        const id = editor.document.loadImageFor(url)
        return id >= 0 && openFor(id)
    }
    onApplied: (options) => { if (editor.document.applyInpaint(target, maskFile, options)) graphUpdated(target) }
}
