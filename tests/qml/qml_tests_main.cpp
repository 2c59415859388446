// Qt Quick Test runner: every QML engine the tests make gets a fresh EditorSession (built-in
// nodes, settings in a temporary INI file) exposed as "editor", "gui" and image://preview, a
// scratch folder "testTempDir", and "testScreenshotDir" (the TESSERA_SCREENSHOT_DIR environment
// variable; tests that save screenshots for the docs skip when it is empty).
#include "app/editor/editor_session.h"

#include <QQmlContext>
#include <QQmlEngine>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtQuickTest>

class Setup : public QObject {
    Q_OBJECT
public slots:
    void applicationAvailable() { QStandardPaths::setTestModeEnabled(true); }
    void qmlEngineAvailable(QQmlEngine* engine) {
        auto* session = new tessera::editor::EditorSession(dir_.filePath("settings.ini"), engine);
        session->exposeTo(engine);
        engine->rootContext()->setContextProperty("testTempDir", dir_.path());
        engine->rootContext()->setContextProperty("testScreenshotDir", qEnvironmentVariable("TESSERA_SCREENSHOT_DIR"));
    }

private:
    QTemporaryDir dir_;
};

QUICK_TEST_MAIN_WITH_SETUP(tessera_qml, Setup)

#include "qml_tests_main.moc"
