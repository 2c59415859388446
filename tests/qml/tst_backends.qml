import QtQuick
import QtQml
import QtTest
import "../../qml"

// Settings > Backends on the session's real BackendListModel: this machine is always the first
// row, servers are added by URL (+ token), refused URLs say why, rows switch on and off and go.
Rectangle {
    id: root
    width: 560; height: 240
    color: Theme.panel
    BackendList { id: list; anchors.fill: parent; anchors.margins: 10 }

    TestCase {
        name: "Backends"
        when: windowShown

        function cleanup() {
            while (editor.backends.count > 1) editor.backends.remove(editor.backends.count - 1)
            editor.backends.setEnabled(0, true)
        }

        function child(name) { return findChild(list, name) }

        function addThroughTheFields(url, token) {
            child("backendUrl").text = url
            child("backendToken").text = token
            mouseClick(child("backendAdd"))
        }

        function test_thisMachineIsTheFirstRowAndStays() {
            compare(editor.backends.count, 1)
            verify(child("backendRow0"))
            compare(child("backendRemove0").visible, false)
            editor.backends.remove(0)
            compare(editor.backends.count, 1)
        }

        function test_serversAreAddedSwitchedAndRemoved() {
            addThroughTheFields("gpu-box:8188", "s3cret")
            compare(editor.backends.count, 2)
            compare(child("backendUrl").text, "", "the fields empty after an add")
            compare(child("backendError").visible, false)
            verify(child("backendRemove1").visible)
            // The model's roles as the row shows them.
            const model = editor.backends
            compare(model.data(model.index(1, 0), Qt.UserRole + 2), "http://gpu-box:8188")
            compare(model.data(model.index(1, 0), Qt.UserRole + 3), true, "has a token")

            mouseClick(child("backendEnabled1"))
            compare(model.data(model.index(1, 0), Qt.UserRole + 4), false)
            mouseClick(child("backendEnabled1"))
            compare(model.data(model.index(1, 0), Qt.UserRole + 4), true)

            addThroughTheFields("https://render.example.com/comfy", "")
            compare(editor.backends.count, 3)
            compare(model.data(model.index(2, 0), Qt.UserRole + 3), false)
            if (testScreenshotDir !== "") {
                const path = testScreenshotDir + "/backend-list.png"
                let saved = false
                root.grabToImage(function(result) { saved = result.saveToFile(path) })
                tryVerify(() => saved, 5000)
            }
            child("backendRemove1").clicked()
            compare(editor.backends.count, 2)
            compare(model.data(model.index(1, 0), Qt.UserRole + 2), "https://render.example.com/comfy")
        }

        function test_badUrlsAndDuplicatesAreRefusedWithAReason() {
            addThroughTheFields("ftp://box/", "")
            compare(editor.backends.count, 1)
            verify(child("backendError").visible)
            verify(editor.backends.error.indexOf("not a backend URL") >= 0, editor.backends.error)
            compare(child("backendUrl").text, "ftp://box/", "the text stays for correcting")
            addThroughTheFields("http://box:8188", "")
            compare(child("backendError").visible, false)
            addThroughTheFields("box:8188/", "")
            compare(editor.backends.count, 2)
            verify(editor.backends.error.indexOf("already in the list") >= 0, editor.backends.error)
        }
    }
}
