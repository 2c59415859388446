#pragma once
// Small services QML needs from C++, exposed as the context object "gui": the system clipboard,
// file checks and copies for drag-and-drop, the canvas layout constants, autosave/recovery.
#include <QObject>
#include <QString>
#include <QVariant>

namespace tessera::editor {

class EditorSession;

// Registers the C++ Qt Quick items (LinkLayer, CanvasGrid, MaskCanvas) under "Tessera.Gui 1.0". Idempotent.
void registerGuiTypes();

class GuiHelper : public QObject {
    Q_OBJECT
    Q_PROPERTY(double headerHeight READ headerHeight CONSTANT)
    Q_PROPERTY(double rowHeight READ rowHeight CONSTANT)
    Q_PROPERTY(double multilineHeight READ multilineHeight CONSTANT)
    Q_PROPERTY(double bottomPadding READ bottomPadding CONSTANT)
    Q_PROPERTY(double defaultNodeWidth READ defaultNodeWidth CONSTANT)
    Q_PROPERTY(double collapsedWidth READ collapsedWidth CONSTANT)
    Q_PROPERTY(double portRadius READ portRadius CONSTANT)
    Q_PROPERTY(QString autosavePath READ autosavePath CONSTANT)
    // The last session ended without closing cleanly and left an autosave behind.
    Q_PROPERTY(bool recoveryAvailable READ recoveryAvailable NOTIFY recoveryChanged)
    // The example graphs installed with the app (File > Open example).
    Q_PROPERTY(QStringList exampleFiles READ exampleFiles CONSTANT)

public:
    GuiHelper(EditorSession* session, QObject* parent = nullptr);
    ~GuiHelper() override;

    double headerHeight() const;
    double rowHeight() const;
    double multilineHeight() const;
    double bottomPadding() const;
    double defaultNodeWidth() const;
    double collapsedWidth() const;
    double portRadius() const;
    QStringList exampleFiles() const;

    Q_INVOKABLE QString clipboardText() const;
    Q_INVOKABLE void setClipboardText(const QString& text);
    Q_INVOKABLE bool copyImageToClipboard(const QString& url);
    Q_INVOKABLE void openContainingFolder(const QString& url);
    // Save as…: copies (same format) or re-encodes an image; "" on success, else why not.
    Q_INVOKABLE QString saveImageAs(const QString& url, const QString& targetUrl);

    Q_INVOKABLE QString toLocalFile(const QString& url) const;
    Q_INVOKABLE bool isImageFile(const QString& url) const;
    Q_INVOKABLE bool isGraphFile(const QString& url) const;
    // A PNG carrying a graph (Tessera's or ComfyUI's text chunks): dropping it opens the graph.
    Q_INVOKABLE bool hasEmbeddedGraph(const QString& url) const;

    QString autosavePath() const;
    bool recoveryAvailable() const { return recoveryAvailable_; }
    Q_INVOKABLE bool autosave();        // writes the current graph to autosavePath
    Q_INVOKABLE bool recover();         // opens the autosave
    Q_INVOKABLE void discardRecovery();
    Q_INVOKABLE void markCleanExit();   // the window closed normally: no recovery next time

Q_SIGNALS:
    void recoveryChanged();

private:
    QString markerPath() const;
    EditorSession* session_;
    bool recoveryAvailable_ = false;
};

}  // namespace tessera::editor
