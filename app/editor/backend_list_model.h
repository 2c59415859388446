#pragma once
// The backends the editor's runs may go to (Settings > Backends): this machine (row 0, always
// there, may be switched off) and ComfyUI / `tessera serve` servers by URL with an optional
// token, each switchable. Kept in the settings file. The run controller sends each run to the
// least busy enabled backend that has what the graph needs (app/remote's RunQueue).
#include <QAbstractListModel>
#include <QString>

#include <vector>

class QSettings;

namespace tessera::editor {

struct BackendEntry {
    QString url;    // empty: this machine
    QString token;
    bool enabled = true;
};

class BackendListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY backendsChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)  // why the last add() was refused

public:
    enum Role { LabelRole = Qt::UserRole + 1, UrlRole, HasTokenRole, EnabledRole, LocalRole };

    // Reads and writes the "backends" array of `settings` (not owned; may be null: not kept).
    explicit BackendListModel(QSettings* settings, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // http(s)://host[:port][/prefix]; refused (false, error set) for other URLs and duplicates.
    Q_INVOKABLE bool add(const QString& url, const QString& token = {});
    Q_INVOKABLE void remove(int row);  // row 0 (this machine) stays
    Q_INVOKABLE void setEnabled(int row, bool enabled);
    QString error() const { return error_; }

    const std::vector<BackendEntry>& entries() const { return entries_; }
    // More than this machine is in use: runs go through the multi-backend queue.
    bool usesRemote() const;

Q_SIGNALS:
    void backendsChanged();
    void errorChanged();

private:
    void save();
    void setError(const QString& error);

    QSettings* settings_;
    std::vector<BackendEntry> entries_;
    QString error_;
};

}  // namespace tessera::editor
