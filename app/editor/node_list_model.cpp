#include "app/editor/node_list_model.h"

#include "app/editor/document_util.h"
#include "app/editor/graph_document.h"
#include "app/editor/node_ports.h"
#include "core/graph/port_types.h"
#include "core/io/comfyui_placeholder.h"

#include <algorithm>

namespace tessera::editor {

namespace {

QVariant optionalNumber(const std::optional<double>& d) { return d ? QVariant(*d) : QVariant(); }

const char* valueKind(const Value& v) {
    if (v.isInt()) return "INT";
    if (v.isFloat()) return "FLOAT";
    if (v.isBool()) return "BOOLEAN";
    return "STRING";
}

}  // namespace

NodeListModel::NodeListModel(GraphDocument* document, QObject* parent) : QAbstractListModel(parent), doc_(document) {
    for (const auto& [id, n] : doc_->graph().nodes()) ids_.push_back(id);
    reindex();
    connect(doc_, &GraphDocument::nodeAdded, this, &NodeListModel::onNodeAdded);
    connect(doc_, &GraphDocument::nodeRemoved, this, &NodeListModel::onNodeRemoved);
    connect(doc_, &GraphDocument::nodeChanged, this, &NodeListModel::onNodeChanged);
    connect(doc_, &GraphDocument::nodeLayoutChanged, this,
            [this](qint64 id) { changed(id, {XRole, YRole, WidthRole, HeightRole}); });
    connect(doc_, &GraphDocument::graphReset, this, &NodeListModel::onGraphReset);
}

int NodeListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(ids_.size()); }

QHash<int, QByteArray> NodeListModel::roleNames() const {
    return {{NodeIdRole, "nodeId"},   {TypeRole, "type"},         {TitleRole, "title"},
            {CategoryRole, "category"}, {XRole, "x"},             {YRole, "y"},
            {WidthRole, "width"},     {HeightRole, "height"},     {InputsRole, "inputs"},
            {OutputsRole, "outputs"}, {StateRole, "state"},       {ProgressRole, "progress"},
            {ErrorRole, "error"},     {PreviewRole, "preview"},   {OutputImagesRole, "outputImages"},
            {SelectedRole, "selected"}, {BypassedRole, "bypassed"}, {MutedRole, "muted"},
            {CollapsedRole, "collapsed"}, {NoteRole, "note"},     {UnknownTypeRole, "unknownType"},
            {RectRole, "rect"},       {RunNotesRole, "runNotes"}};
}

QVariantList NodeListModel::inputsOf(const Node& node) const {
    const Graph& g = doc_->graph();
    QVariantList out;
    const NodeDecl* decl = doc_->registry().find(node.type);
    if (!decl) {  // a placeholder: its widgets as written, and the inputs links feed
        for (const auto& [name, v] : node.widgets)
            out.push_back(QVariantMap{{"name", q(name)}, {"type", valueKind(v)}, {"isWidget", true},
                                      {"asInput", false}, {"connected", false}, {"value", widgetVariant(v)}});
        if (node.widgets.empty())  // a ComfyUI node: the values its workflow kept, shown as they were
            for (const auto& [name, v] : readComfyPlaceholder(node).widgets)
                out.push_back(QVariantMap{{"name", q(name)}, {"type", valueKind(v)}, {"isWidget", true}, {"asInput", false},
                                          {"connected", false}, {"readOnly", true}, {"value", widgetVariant(v)}});
        for (const auto& name : inputPortRows(g, node, nullptr)) {
            const Link* l = g.linkInto(node.id, name);
            out.push_back(QVariantMap{{"name", q(name)}, {"type", q(l ? l->type : std::string())}, {"isWidget", false},
                                      {"asInput", true}, {"connected", true}});
        }
        return out;
    }
    for (const auto& in : decl->inputs) {
        QVariantMap m{{"name", q(in.name)},
                      {"type", q(in.type)},
                      {"isWidget", in.isWidget()},
                      {"asInput", isShownAsPort(g, node, in)},
                      {"connected", g.linkInto(node.id, in.name) != nullptr},
                      {"optional", in.optional},
                      {"tooltip", q(in.tooltip)},
                      {"multiline", in.multiline},
                      {"min", optionalNumber(in.min)},
                      {"max", optionalNumber(in.max)},
                      {"step", optionalNumber(in.step)}};
        auto w = node.widgets.find(in.name);
        m["value"] = w != node.widgets.end() ? widgetVariant(w->second) : widgetVariant(in.defaultValue);
        QStringList choices;
        for (const auto& c : in.choices) choices << q(c);
        if (choices.isEmpty() && !in.choicesFrom.empty() && choices_) choices = choices_(q(in.choicesFrom));
        m["choices"] = choices;
        m["choicesFrom"] = q(in.choicesFrom);
        auto c = node.controlAfterGenerate.find(in.name);
        m["controlAfterGenerate"] = c != node.controlAfterGenerate.end() ? q(c->second)
                                    : in.controlAfterGenerate            ? QStringLiteral("fixed")
                                                                         : QString();
        out.push_back(m);
    }
    return out;
}

QVariantList NodeListModel::outputsOf(const Node& node) const {
    QVariantList out;
    if (const NodeDecl* decl = doc_->registry().find(node.type)) {
        for (const auto& o : decl->outputs) out.push_back(QVariantMap{{"name", q(o.name)}, {"type", q(o.type)}});
        return out;
    }
    std::vector<std::string> types;
    for (const Link* l : doc_->graph().linksFrom(node.id)) {
        if (size_t(l->fromSlot) >= types.size()) types.resize(size_t(l->fromSlot) + 1);
        types[size_t(l->fromSlot)] = l->type;
    }
    // A ComfyUI node: its outputs by name, as its workflow listed them.
    if (const ComfyPlaceholderLayout comfy = readComfyPlaceholder(node); comfy.outputs.size() >= types.size() && !comfy.outputs.empty()) {
        for (const auto& o : comfy.outputs) out.push_back(QVariantMap{{"name", q(o.name)}, {"type", q(o.type)}});
        return out;
    }
    for (size_t i = 0; i < types.size(); ++i)
        out.push_back(QVariantMap{{"name", QString("output %1").arg(i)}, {"type", q(types[i])}});
    return out;
}

QVariant NodeListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() < 0 || size_t(index.row()) >= ids_.size()) return {};
    const qint64 id = ids_[size_t(index.row())];
    const Node* n = doc_->graph().node(id);
    if (!n) return {};
    const NodeDecl* decl = doc_->registry().find(n->type);
    const RunState run = run_.value(id);
    switch (role) {
        case NodeIdRole: return id;
        case TypeRole: return q(n->type);
        case TitleRole:
            if (!n->title.empty()) return q(n->title);
            return q(decl && !decl->displayName.empty() ? decl->displayName : n->type);
        case CategoryRole: return decl ? q(decl->category) : QString();
        case XRole: return n->pos.x;
        case YRole: return n->pos.y;
        case WidthRole: return n->size.x;
        case HeightRole: return n->size.y;
        case InputsRole: return inputsOf(*n);
        case OutputsRole: return outputsOf(*n);
        case StateRole: return run.state;
        case ProgressRole: return run.progress;
        case ErrorRole: return run.error;
        case PreviewRole: return run.preview;
        case OutputImagesRole: return run.outputImages;
        case SelectedRole: return selected_.contains(id);
        case BypassedRole: return n->bypassed;
        case MutedRole: return n->muted;
        case CollapsedRole: return n->collapsed;
        case NoteRole: return q(n->note);
        case UnknownTypeRole: return decl == nullptr;
        case RectRole: return nodeRect(doc_->graph(), *n, doc_->registry());
        case RunNotesRole: return run.notes;
        default: return {};
    }
}

int NodeListModel::rowOf(qint64 nodeId) const { return rows_.value(nodeId, -1); }

QVariantMap NodeListModel::get(int row) const {
    QVariantMap m;
    if (row < 0 || row >= rowCount()) return m;
    const QModelIndex i = index(row);
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it) m[QString::fromUtf8(it.value())] = data(i, it.key());
    return m;
}

void NodeListModel::reindex(size_t from) {
    if (from == 0) rows_.clear();
    for (size_t i = from; i < ids_.size(); ++i) rows_[ids_[i]] = int(i);
}

void NodeListModel::changed(qint64 id, const QList<int>& roles) {
    const int row = rowOf(id);
    if (row < 0) return;
    const bool moved = std::any_of(roles.begin(), roles.end(), [](int r) { return r >= XRole && r <= HeightRole; });
    Q_EMIT dataChanged(index(row), index(row), moved ? roles + QList<int>{RectRole} : roles);
}

void NodeListModel::onNodeAdded(qint64 id) {
    if (rows_.contains(id)) return onNodeChanged(id);
    const int row = int(ids_.size());
    beginInsertRows({}, row, row);
    ids_.push_back(id);
    rows_[id] = row;
    endInsertRows();
    Q_EMIT countChanged();
}

void NodeListModel::onNodeRemoved(qint64 id) {
    const int row = rowOf(id);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    ids_.erase(ids_.begin() + row);
    rows_.remove(id);
    reindex(size_t(row));
    run_.remove(id);
    endRemoveRows();
    Q_EMIT countChanged();
    if (selected_.remove(id)) Q_EMIT selectionChanged();
}

void NodeListModel::onNodeChanged(qint64 id) { changed(id); }

void NodeListModel::onGraphReset() {
    beginResetModel();
    ids_.clear();
    for (const auto& [id, n] : doc_->graph().nodes()) ids_.push_back(id);
    reindex();
    run_.clear();
    const bool hadSelection = !selected_.isEmpty();
    selected_.clear();
    endResetModel();
    Q_EMIT countChanged();
    if (hadSelection) Q_EMIT selectionChanged();
}

// ---- selection ----

QVariantList NodeListModel::selection() const {
    QVariantList out;
    for (qint64 id : ids_)  // row order, so copies and groups are stable
        if (selected_.contains(id)) out.push_back(id);
    return out;
}

void NodeListModel::setSelection(const QVariantList& ids) {
    QSet<qint64> next;
    for (const QVariant& v : ids)
        if (rows_.contains(v.toLongLong())) next.insert(v.toLongLong());
    if (next == selected_) return;
    const QSet<qint64> before = selected_;
    selected_ = next;
    for (qint64 id : before)
        if (!next.contains(id)) changed(id, {SelectedRole});
    for (qint64 id : next)
        if (!before.contains(id)) changed(id, {SelectedRole});
    Q_EMIT selectionChanged();
}

void NodeListModel::select(qint64 nodeId, bool additive) {
    QVariantList ids = additive ? selection() : QVariantList();
    if (!ids.contains(nodeId)) ids.push_back(nodeId);
    setSelection(ids);
}

void NodeListModel::selectInRect(double x, double y, double width, double height, bool additive) {
    const QRectF area = QRectF(x, y, width, height).normalized();
    QVariantList ids = additive ? selection() : QVariantList();
    const Graph& g = doc_->graph();
    for (qint64 id : ids_)
        if (const Node* n = g.node(id); n && area.intersects(nodeRect(g, *n, doc_->registry())) && !ids.contains(id))
            ids.push_back(id);
    setSelection(ids);
}

void NodeListModel::clearSelection() { setSelection({}); }

void NodeListModel::selectAll() {
    QVariantList ids;
    for (qint64 id : ids_) ids.push_back(id);
    setSelection(ids);
}

QVariantMap NodeListModel::boundingRect(const QVariantList& ids) const {
    std::vector<NodeId> which;
    if (ids.isEmpty())
        which.assign(ids_.begin(), ids_.end());
    else
        for (const QVariant& v : ids) which.push_back(v.toLongLong());
    const QRectF box = nodesRect(doc_->graph(), which, doc_->registry());
    return {{"x", box.x()}, {"y", box.y()}, {"width", box.width()}, {"height", box.height()}};
}

// ---- run state ----

void NodeListModel::setRunState(qint64 nodeId, const QString& state, double progress, const QString& error) {
    RunState& r = run_[nodeId];
    r.state = state;
    r.progress = progress;
    r.error = error;
    changed(nodeId, {StateRole, ProgressRole, ErrorRole});
}

void NodeListModel::setPreview(qint64 nodeId, const QString& url, bool notify) {
    run_[nodeId].preview = url;
    if (notify) changed(nodeId, {PreviewRole});
}

void NodeListModel::addOutputImage(qint64 nodeId, const QString& url) {
    run_[nodeId].outputImages << url;
    changed(nodeId, {OutputImagesRole});
}

void NodeListModel::addRunNote(qint64 nodeId, const QString& text) {
    run_[nodeId].notes << text;
    changed(nodeId, {RunNotesRole});
}

void NodeListModel::resetRunState() {
    if (run_.isEmpty()) return;
    run_.clear();
    if (!ids_.empty())
        Q_EMIT dataChanged(index(0), index(int(ids_.size()) - 1),
                         {StateRole, ProgressRole, ErrorRole, PreviewRole, OutputImagesRole, RunNotesRole});
}

void NodeListModel::setChoiceLister(ChoiceLister lister) {
    choices_ = std::move(lister);
    if (!ids_.empty()) Q_EMIT dataChanged(index(0), index(int(ids_.size()) - 1), {InputsRole});
}

QSizeF NodeListModel::estimatedSize(int inputs, int outputs, int widgets, int multilineWidgets) {
    return {kDefaultWidth, kHeaderHeight + std::max(inputs, outputs) * kRowHeight + widgets * kRowHeight +
                               multilineWidgets * kMultilineHeight + kBottomPadding};
}

}  // namespace tessera::editor
