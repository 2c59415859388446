#include "app/gui/gui_helper.h"

#include "app/editor/examples_folder.h"

#include <QCoreApplication>

#include "app/editor/editor_session.h"
#include "app/editor/graph_document.h"
#include "app/editor/image_export.h"
#include "app/gui/canvas_grid.h"
#include "app/gui/canvas_layout.h"
#include "app/gui/link_layer.h"
#include "app/gui/mask_canvas.h"
#include "app/gui/node_lod_layer.h"
#include "app/gui/visible_nodes_model.h"
#include "core/io/png_metadata.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QImageReader>
#include <QStandardPaths>
#include <QUrl>
#include <QtQml>

namespace tessera::editor {

void registerGuiTypes() {
    static bool done = false;
    if (done) return;
    done = true;
    qmlRegisterType<LinkLayer>("Tessera.Gui", 1, 0, "LinkLayer");
    qmlRegisterType<CanvasGrid>("Tessera.Gui", 1, 0, "CanvasGrid");
    qmlRegisterType<MaskCanvas>("Tessera.Gui", 1, 0, "MaskCanvas");
    qmlRegisterType<NodeLodLayer>("Tessera.Gui", 1, 0, "NodeLodLayer");
    qmlRegisterType<VisibleNodesModel>("Tessera.Gui", 1, 0, "VisibleNodesModel");
}

QStringList GuiHelper::exampleFiles() const { return editor::exampleFiles(QCoreApplication::applicationDirPath()); }

GuiHelper::GuiHelper(EditorSession* session, QObject* parent) : QObject(parent), session_(session) {
    QDir().mkpath(QFileInfo(autosavePath()).absolutePath());
    recoveryAvailable_ = QFile::exists(markerPath()) && QFile::exists(autosavePath());
    QFile marker(markerPath());
    if (marker.open(QIODevice::WriteOnly)) marker.write("running\n");
    connect(qApp, &QCoreApplication::aboutToQuit, this, &GuiHelper::markCleanExit);
}

GuiHelper::~GuiHelper() = default;

double GuiHelper::headerHeight() const { return layout::kHeaderHeight; }
double GuiHelper::rowHeight() const { return layout::kRowHeight; }
double GuiHelper::multilineHeight() const { return layout::kMultilineHeight; }
double GuiHelper::bottomPadding() const { return layout::kBottomPadding; }
double GuiHelper::defaultNodeWidth() const { return layout::kDefaultWidth; }
double GuiHelper::collapsedWidth() const { return layout::kCollapsedWidth; }
double GuiHelper::portRadius() const { return layout::kPortRadius; }

QString GuiHelper::clipboardText() const { return QGuiApplication::clipboard()->text(); }
void GuiHelper::setClipboardText(const QString& text) { QGuiApplication::clipboard()->setText(text); }

bool GuiHelper::copyImageToClipboard(const QString& url) {
    const QImage image(toLocalFile(url));
    if (image.isNull()) return false;
    QGuiApplication::clipboard()->setImage(image);
    return true;
}

void GuiHelper::openContainingFolder(const QString& url) {
    QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(toLocalFile(url)).absolutePath()));
}

QString GuiHelper::saveImageAs(const QString& url, const QString& targetUrl) {
    QString error;
    return exportImage(url, targetUrl, &error) ? QString() : error;
}

QString GuiHelper::toLocalFile(const QString& url) const {
    const QUrl u(url);
    return u.isLocalFile() ? u.toLocalFile() : url;
}

bool GuiHelper::isImageFile(const QString& url) const {
    return !QImageReader::imageFormat(toLocalFile(url)).isEmpty();
}

bool GuiHelper::isGraphFile(const QString& url) const {
    const QString suffix = QFileInfo(toLocalFile(url)).suffix().toLower();
    return suffix == "tessera" || suffix == "json" || suffix == "png";
}

bool GuiHelper::hasEmbeddedGraph(const QString& url) const {
    QFile f(toLocalFile(url));
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray bytes = f.readAll();
    if (!looksLikePng(bytes)) return false;
    try {
        const auto text = readPngText(bytes);
        return text.count(kPngKeyTessera) || text.count(kPngKeyWorkflow) || text.count(kPngKeyPrompt);
    } catch (const std::exception&) {
        return false;
    }
}

QString GuiHelper::autosavePath() const {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave.tessera";
}

QString GuiHelper::markerPath() const { return autosavePath() + ".running"; }

bool GuiHelper::autosave() { return session_->document()->writeRecoveryCopy(autosavePath()); }

bool GuiHelper::recover() {
    const bool ok = session_->document()->openRecoveryCopy(autosavePath());
    discardRecovery();
    return ok;
}

void GuiHelper::discardRecovery() {
    recoveryAvailable_ = false;
    Q_EMIT recoveryChanged();
}

void GuiHelper::markCleanExit() { QFile::remove(markerPath()); }

}  // namespace tessera::editor
