// EditorSession::exposeTo lives with the Qt Quick front end: the models in app/editor need no Qt Qml.
#include "app/editor/editor_session.h"
#include "app/gui/gui_helper.h"
#include "app/gui/preview_image_provider.h"

#include <QQmlContext>
#include <QQmlEngine>

namespace tessera::editor {

void EditorSession::exposeTo(QQmlEngine* engine) {
    registerGuiTypes();
    engine->rootContext()->setContextProperty("editor", this);
    engine->rootContext()->setContextProperty("gui", new GuiHelper(this, engine));
    engine->addImageProvider("preview", new PreviewImageProvider(previews()));
}

}  // namespace tessera::editor
