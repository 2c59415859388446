#include "app/editor/backend_list_model.h"

#include <QSettings>
#include <QUrl>

namespace tessera::editor {
namespace {

QString normalized(const QString& text) {
    QString s = text.trimmed();
    if (!s.isEmpty() && !s.contains("://")) s = "http://" + s;
    QUrl url(s, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != "http" && url.scheme() != "https") || url.hasQuery())
        return {};
    QString path = url.path();
    while (path.endsWith('/')) path.chop(1);  // StripTrailingSlash keeps a lone "/"
    url.setPath(path);
    return url.toString();
}

}  // namespace

BackendListModel::BackendListModel(QSettings* settings, QObject* parent) : QAbstractListModel(parent), settings_(settings) {
    entries_.push_back({});
    if (!settings_) return;
    const int n = settings_->beginReadArray("backends");
    for (int i = 0; i < n; ++i) {
        settings_->setArrayIndex(i);
        BackendEntry e{settings_->value("url").toString(), settings_->value("token").toString(),
                       settings_->value("enabled", true).toBool()};
        if (e.url.isEmpty()) entries_[0].enabled = e.enabled;
        else if (!normalized(e.url).isEmpty()) entries_.push_back(e);
    }
    settings_->endArray();
}

int BackendListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }

QVariant BackendListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(entries_.size())) return {};
    const BackendEntry& e = entries_[size_t(index.row())];
    switch (role) {
        case LabelRole: return e.url.isEmpty() ? tr("This machine") : e.url;
        case UrlRole: return e.url;
        case HasTokenRole: return !e.token.isEmpty();
        case EnabledRole: return e.enabled;
        case LocalRole: return e.url.isEmpty();
        default: return {};
    }
}

QHash<int, QByteArray> BackendListModel::roleNames() const {
    return {{LabelRole, "label"}, {UrlRole, "url"}, {HasTokenRole, "hasToken"}, {EnabledRole, "enabled"}, {LocalRole, "local"}};
}

bool BackendListModel::add(const QString& url, const QString& token) {
    const QString clean = normalized(url);
    if (clean.isEmpty()) {
        setError(tr("'%1' is not a backend URL (expected http://HOST:PORT)").arg(url));
        return false;
    }
    for (const auto& e : entries_)
        if (e.url == clean) {
            setError(tr("%1 is already in the list").arg(clean));
            return false;
        }
    beginInsertRows({}, int(entries_.size()), int(entries_.size()));
    entries_.push_back({clean, token.trimmed(), true});
    endInsertRows();
    setError({});
    save();
    return true;
}

void BackendListModel::remove(int row) {
    if (row <= 0 || row >= int(entries_.size())) return;
    beginRemoveRows({}, row, row);
    entries_.erase(entries_.begin() + row);
    endRemoveRows();
    save();
}

void BackendListModel::setEnabled(int row, bool enabled) {
    if (row < 0 || row >= int(entries_.size()) || entries_[size_t(row)].enabled == enabled) return;
    entries_[size_t(row)].enabled = enabled;
    Q_EMIT dataChanged(index(row), index(row), {EnabledRole});
    save();
}

bool BackendListModel::usesRemote() const {
    for (size_t i = 1; i < entries_.size(); ++i)
        if (entries_[i].enabled) return true;
    return false;
}

void BackendListModel::save() {
    if (settings_) {
        settings_->beginWriteArray("backends", int(entries_.size()));
        for (size_t i = 0; i < entries_.size(); ++i) {
            settings_->setArrayIndex(int(i));
            settings_->setValue("url", entries_[i].url);
            settings_->setValue("token", entries_[i].token);
            settings_->setValue("enabled", entries_[i].enabled);
        }
        settings_->endArray();
    }
    Q_EMIT backendsChanged();
}

void BackendListModel::setError(const QString& error) {
    if (error_ == error) return;
    error_ = error;
    Q_EMIT errorChanged();
}

}  // namespace tessera::editor
