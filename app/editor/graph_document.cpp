#include "app/editor/graph_document.h"

#include "core/sweep/sweep.h"

#include "app/editor/document_util.h"
#include "app/editor/graph_commands.h"
#include "app/editor/node_ports.h"
#include "core/common/error.h"
#include "core/graph/port_types.h"
#include "core/io/widget_values.h"
#include "core/sweep/sweep.h"

#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>  // the destructor of extractDir_
#include <QUndoStack>

#include <algorithm>
#include <cmath>
#include <set>

namespace tessera::editor {

namespace {

constexpr double kGroupPadding = 10;      // around the nodes of groupNodes()
constexpr double kGroupTitleHeight = 34;  // extra room above them for the group's title

QString number(double d) { return q(Value(d).describe()); }

// Converts an edited value to the widget's kind; empty string when it fits, else why not.
QString toWidgetValue(const InputDecl& in, const QVariant& v, Value& out) {
    const QString name = q(in.name);
    const int type = v.metaType().id();
    const bool isText = type == QMetaType::QString;
    if (in.type == types::Int || in.type == types::Float) {
        bool ok = false;
        const double d = v.toDouble(&ok);
        if (!ok || !std::isfinite(d) || type == QMetaType::Bool)
            return QString("'%1' takes a number, not \"%2\"").arg(name, v.toString());
        if (in.min && d < *in.min)
            return QString("'%1' must be at least %2, not %3").arg(name, number(*in.min), number(d));
        if (in.max && d > *in.max)
            return QString("'%1' must be at most %2, not %3").arg(name, number(*in.max), number(d));
        if (in.type == types::Float) {
            out = Value(d);
            return {};
        }
        if (std::floor(d) != d) return QString("'%1' takes a whole number, not %2").arg(name, number(d));
        const qlonglong i = type == QMetaType::LongLong || type == QMetaType::Int || isText ? v.toLongLong(&ok) : qlonglong(d);
        out = Value(int64_t(ok ? i : qlonglong(d)));
        return {};
    }
    if (in.type == types::Boolean) {
        if (type == QMetaType::Bool) out = Value(v.toBool());
        else if (isText && (v.toString() == "true" || v.toString() == "false")) out = Value(v.toString() == "true");
        else return QString("'%1' takes true or false, not \"%2\"").arg(name, v.toString());
        return {};
    }
    if (!v.canConvert<QString>()) return QString("'%1' takes text").arg(name);
    const std::string s = v.toString().toStdString();
    if (in.type == types::Combo && !in.choices.empty() &&
        std::find(in.choices.begin(), in.choices.end(), s) == in.choices.end()) {
        QStringList choices;
        for (const auto& c : in.choices) choices << q(c);
        return QString("\"%1\" is not one of the choices of '%2': %3").arg(q(s), name, choices.join(", "));
    }
    out = Value(s);
    return {};
}

bool reaches(const Graph& g, NodeId from, NodeId target) {
    std::vector<NodeId> todo{from};
    std::set<NodeId> seen;
    while (!todo.empty()) {
        const NodeId id = todo.back();
        todo.pop_back();
        if (id == target) return true;
        if (!seen.insert(id).second) continue;
        for (const Link* l : g.linksFrom(id)) todo.push_back(l->toNode);
    }
    return false;
}

}  // namespace

GraphDocument::GraphDocument(const Registry& registry, QObject* parent)
    : QObject(parent), registry_(registry), undo_(new QUndoStack(this)) {
    connect(undo_, &QUndoStack::cleanChanged, this, &GraphDocument::modifiedChanged);
    connect(undo_, &QUndoStack::indexChanged, this, &GraphDocument::undoStateChanged);
    connect(undo_, &QUndoStack::canUndoChanged, this, &GraphDocument::undoStateChanged);
    connect(undo_, &QUndoStack::canRedoChanged, this, &GraphDocument::undoStateChanged);
    connect(undo_, &QUndoStack::undoTextChanged, this, &GraphDocument::undoStateChanged);
    connect(undo_, &QUndoStack::redoTextChanged, this, &GraphDocument::undoStateChanged);
}

GraphDocument::~GraphDocument() = default;

QString GraphDocument::displayName() const {
    if (!filePath_.isEmpty()) return QFileInfo(filePath_).fileName();
    if (!importedName_.isEmpty()) return importedName_;
    return tr("Untitled");
}

bool GraphDocument::modified() const { return !undo_->isClean() || changedAfterRun_; }
bool GraphDocument::canUndo() const { return undo_->canUndo(); }
bool GraphDocument::canRedo() const { return undo_->canRedo(); }
QString GraphDocument::undoText() const { return undo_->undoText(); }
QString GraphDocument::redoText() const { return undo_->redoText(); }

QVariantList GraphDocument::groups() const {
    QVariantList out;
    for (const Group& g : graph_.groups())
        out.push_back(QVariantMap{{"title", q(g.title)}, {"x", g.x}, {"y", g.y}, {"width", g.width},
                                  {"height", g.height}, {"color", q(g.color)}});
    return out;
}

bool GraphDocument::fail(const QString& why) {
    lastError_ = why;
    Q_EMIT lastErrorChanged();
    return false;
}

bool GraphDocument::commit(DeltaBuilder& edit, const QString& text) {
    GraphDelta delta = edit.finish();
    if (delta.empty()) return false;
    undo_->push(new DeltaCommand(this, text, std::move(delta)));
    return true;
}

// ---- nodes ----

Node& GraphDocument::stageNode(DeltaBuilder& edit, const NodeDecl& decl, double x, double y) const {
    Node& n = edit.addNode(decl.type);
    n.pos = {x, y};
    if (decl.origin != "builtin") n.plugin = decl.origin;
    fillMissingWidgets(n, decl);
    for (const auto& in : decl.inputs) {
        if (!in.isWidget()) continue;
        if (!n.widgets.count(in.name) && in.type == types::Combo) {
            std::string first;
            if (!in.choices.empty()) first = in.choices.front();
            else if (choices_ && !in.choicesFrom.empty())
                if (const QStringList files = choices_(q(in.choicesFrom)); !files.isEmpty()) first = files.front().toStdString();
            n.widgets[in.name] = Value(first);
        }
        if (in.controlAfterGenerate) n.controlAfterGenerate[in.name] = "randomize";
    }
    return n;
}

qint64 GraphDocument::addNode(const QString& type, double x, double y) {
    const NodeDecl* decl = registry_.find(type.toStdString());
    if (!decl) {
        fail(QString("unknown node type '%1'").arg(type));
        return -1;
    }
    DeltaBuilder b(graph_);
    Node& n = stageNode(b, *decl, x, y);
    const NodeId id = n.id;
    commit(b, tr("Add %1").arg(q(decl->displayName.empty() ? decl->type : decl->displayName)));
    return id;
}

void GraphDocument::removeNodes(const QVariantList& ids) {
    DeltaBuilder b(graph_);
    int count = 0;
    for (NodeId id : toIds(ids))
        if (b.node(id)) {
            b.removeNode(id);
            ++count;
        }
    commit(b, count == 1 ? tr("Delete node") : tr("Delete %1 nodes").arg(count));
}

void GraphDocument::moveNodes(const QVariantList& ids, double dx, double dy) {
    if (dx == 0 && dy == 0) return;
    std::map<NodeId, std::pair<LayoutCommand::Layout, LayoutCommand::Layout>> changes;
    for (NodeId id : toIds(ids))
        if (const Node* n = graph_.node(id))
            changes[id] = {{n->pos, n->size}, {{n->pos.x + dx, n->pos.y + dy}, n->size}};
    if (!changes.empty()) undo_->push(new LayoutCommand(this, LayoutCommand::Move, gesture_, std::move(changes)));
}

void GraphDocument::finishMove() { ++gesture_; }

void GraphDocument::resizeNode(qint64 node, double width, double height) {
    const Node* n = graph_.node(node);
    if (!n) return void(fail(QString("there is no node #%1").arg(node)));
    if (!(width >= 0) || !(height >= 0)) return void(fail(tr("a node's size cannot be negative")));
    if (n->size.x == width && n->size.y == height) return;
    std::map<NodeId, std::pair<LayoutCommand::Layout, LayoutCommand::Layout>> changes;
    changes[node] = {{n->pos, n->size}, {n->pos, {width, height}}};
    undo_->push(new LayoutCommand(this, LayoutCommand::Resize, gesture_, std::move(changes)));
}

// ---- links ----

QString GraphDocument::connectProblem(qint64 fromNode, int fromSlot, qint64 toNode, const QString& toInput) const {
    const Node* from = graph_.node(fromNode);
    const Node* to = graph_.node(toNode);
    if (!from) return QString("there is no node #%1").arg(fromNode);
    if (!to) return QString("there is no node #%1").arg(toNode);
    const QString fromName = q(graph_.describeNode(fromNode)), toName = q(graph_.describeNode(toNode));
    if (fromNode == toNode) return QString("%1 cannot be linked to itself").arg(fromName);
    const NodeDecl* fd = registry_.find(from->type);
    const NodeDecl* td = registry_.find(to->type);
    if (!fd) return QString("%1 is of unknown type '%2'; it cannot be linked").arg(fromName, q(from->type));
    if (!td) return QString("%1 is of unknown type '%2'; it cannot be linked").arg(toName, q(to->type));
    if (fromSlot < 0 || size_t(fromSlot) >= fd->outputs.size())
        return QString("%1 has no output %2").arg(fromName).arg(fromSlot);
    const InputDecl* in = td->findInput(toInput.toStdString());
    if (!in) return QString("%1 has no input '%2'").arg(toName, toInput);
    const OutputDecl& out = fd->outputs[size_t(fromSlot)];
    if (!types::compatible(out.type, in->type))
        return QString("cannot connect %1's output '%2' (%3) to %4's input '%5' (%6): the types do not match")
            .arg(fromName, q(out.name), q(out.type), toName, toInput, q(in->type));
    if (reaches(graph_, toNode, fromNode))
        return QString("connecting %1 to %2's input '%3' would make a cycle: %2 already feeds %1")
            .arg(fromName, toName, toInput);
    return {};
}

bool GraphDocument::canConnect(qint64 fromNode, int fromSlot, qint64 toNode, const QString& toInput) const {
    return connectProblem(fromNode, fromSlot, toNode, toInput).isEmpty();
}

bool GraphDocument::connectPorts(qint64 fromNode, int fromSlot, qint64 toNode, const QString& toInput) {
    if (const QString why = connectProblem(fromNode, fromSlot, toNode, toInput); !why.isEmpty()) return fail(why);
    const std::string input = toInput.toStdString();
    DeltaBuilder b(graph_);
    const InputDecl* in = registry_.find(graph_.node(toNode)->type)->findInput(input);
    if (in->isWidget()) b.editNode(toNode)->widgetInputs.insert(input);
    const Link* old = graph_.linkInto(toNode, input);
    if (!old || old->fromNode != fromNode || old->fromSlot != fromSlot) {
        const std::string type = registry_.find(graph_.node(fromNode)->type)->outputs[size_t(fromSlot)].type;
        b.connect(fromNode, fromSlot, toNode, input, type);
    }
    commit(b, tr("Connect %1").arg(toInput));
    return true;
}

void GraphDocument::disconnectInput(qint64 toNode, const QString& toInput) {
    DeltaBuilder b(graph_);
    if (const Link* l = graph_.linkInto(toNode, toInput.toStdString())) b.removeLink(l->id);
    commit(b, tr("Disconnect %1").arg(toInput));
}

// ---- widgets ----

bool GraphDocument::setWidgetValue(qint64 node, const QString& input, const QVariant& value) {
    const Node* n = graph_.node(node);
    if (!n) return fail(QString("there is no node #%1").arg(node));
    const NodeDecl* decl = registry_.find(n->type);
    const InputDecl* in = decl ? decl->findInput(input.toStdString()) : nullptr;
    if (!in || !in->isWidget()) return fail(QString("%1 has no widget '%2'").arg(q(graph_.describeNode(node)), input));
    Value v;
    if (const QString why = toWidgetValue(*in, value, v); !why.isEmpty())
        return fail(QString("%1: %2").arg(q(graph_.describeNode(node)), why));
    DeltaBuilder b(graph_);
    b.editNode(node)->widgets[in->name] = v;
    commit(b, tr("Change %1").arg(input));
    return true;
}

void GraphDocument::setSavedSweep(const std::vector<std::string>& axes) {
    DeltaBuilder b(graph_);
    Graph staged;
    staged.properties() = graph_.properties();
    saveSweep(staged, axes);
    b.properties() = staged.properties();
    commit(b, axes.empty() ? tr("Remove the sweep") : tr("Set the sweep"));
}

void GraphDocument::setWidgetAsInput(qint64 node, const QString& input, bool asInput) {
    const Node* n = graph_.node(node);
    if (!n) return void(fail(QString("there is no node #%1").arg(node)));
    const NodeDecl* decl = registry_.find(n->type);
    const InputDecl* in = decl ? decl->findInput(input.toStdString()) : nullptr;
    if (!in || !in->isWidget()) return void(fail(QString("%1 has no widget '%2'").arg(q(graph_.describeNode(node)), input)));
    DeltaBuilder b(graph_);
    if (asInput) {
        b.editNode(node)->widgetInputs.insert(in->name);
    } else {
        b.editNode(node)->widgetInputs.erase(in->name);
        if (const Link* l = graph_.linkInto(node, in->name)) b.removeLink(l->id);
    }
    commit(b, asInput ? tr("Convert %1 to input").arg(input) : tr("Convert %1 to widget").arg(input));
}

void GraphDocument::setControlAfterGenerate(qint64 node, const QString& input, const QString& mode) {
    static const QStringList modes{"fixed", "increment", "decrement", "randomize"};
    const Node* n = graph_.node(node);
    if (!n) return void(fail(QString("there is no node #%1").arg(node)));
    const NodeDecl* decl = registry_.find(n->type);
    const InputDecl* in = decl ? decl->findInput(input.toStdString()) : nullptr;
    if (!in || !in->controlAfterGenerate)
        return void(fail(QString("%1: '%2' has no \"control after generate\"").arg(q(graph_.describeNode(node)), input)));
    if (!modes.contains(mode))
        return void(fail(QString("\"%1\" is not a control-after-generate mode (%2)").arg(mode, modes.join(", "))));
    DeltaBuilder b(graph_);
    b.editNode(node)->controlAfterGenerate[in->name] = mode.toStdString();
    commit(b, tr("Change %1 control").arg(input));
}

void GraphDocument::applyAfterRunWidgetChanges() {
    constexpr double kRandomRange = 1125899906842624.0;  // 2^50, as ComfyUI's front end
    for (auto& [id, n] : graph_.nodes()) {
        const NodeDecl* decl = registry_.find(n.type);
        if (!decl) continue;
        bool changed = false;
        for (const auto& [name, mode] : n.controlAfterGenerate) {
            const InputDecl* in = decl->findInput(name);
            auto w = n.widgets.find(name);
            if (!in || w == n.widgets.end() || graph_.linkInto(id, name) || mode == "fixed") continue;
            const double lo = in->min.value_or(0);
            const double hi = std::min(in->max.value_or(9007199254740991.0), 9223372036854775807.0);
            const int64_t v = w->second.toInt();
            int64_t next = v;
            if (mode == "increment") next = double(v) + 1 > hi ? int64_t(lo) : v + 1;
            else if (mode == "decrement") next = double(v) - 1 < lo ? int64_t(hi) : v - 1;
            else if (mode == "randomize")
                next = int64_t(lo) + int64_t(QRandomGenerator::global()->bounded(std::min(hi - lo, kRandomRange)));
            if (next == v) continue;
            w->second = Value(next);
            changed = true;
        }
        if (changed) {
            changedAfterRun_ = true;
            Q_EMIT nodeChanged(id);
        }
    }
    Q_EMIT modifiedChanged();
}

// ---- node properties ----

void GraphDocument::setTitle(qint64 node, const QString& title) {
    DeltaBuilder b(graph_);
    if (Node* n = b.editNode(node)) n->title = title.toStdString();
    commit(b, tr("Rename node"));
}

void GraphDocument::setNote(qint64 node, const QString& note) {
    DeltaBuilder b(graph_);
    if (Node* n = b.editNode(node)) n->note = note.toStdString();
    commit(b, tr("Edit note"));
}

void GraphDocument::setCollapsed(qint64 node, bool collapsed) {
    DeltaBuilder b(graph_);
    if (Node* n = b.editNode(node)) n->collapsed = collapsed;
    commit(b, collapsed ? tr("Collapse") : tr("Expand"));
}

void GraphDocument::setFlag(const QVariantList& ids, bool value, bool Node::*flag, bool Node::*exclusive,
                            const QString& text) {
    DeltaBuilder b(graph_);
    for (NodeId id : toIds(ids))
        if (Node* n = b.editNode(id)) {
            n->*flag = value;
            if (value) n->*exclusive = false;
        }
    commit(b, text);
}

void GraphDocument::setBypassed(const QVariantList& ids, bool bypassed) {
    setFlag(ids, bypassed, &Node::bypassed, &Node::muted, bypassed ? tr("Bypass") : tr("Stop bypassing"));
}

void GraphDocument::setMuted(const QVariantList& ids, bool muted) {
    setFlag(ids, muted, &Node::muted, &Node::bypassed, muted ? tr("Mute") : tr("Unmute"));
}

// ---- groups ----

int GraphDocument::addGroup(const QString& title, double x, double y, double width, double height, const QString& color) {
    DeltaBuilder b(graph_);
    b.groups().push_back(Group{title.toStdString(), x, y, width, height, color.toStdString()});
    const int index = int(b.groups().size()) - 1;
    commit(b, tr("Add group"));
    return index;
}

int GraphDocument::groupNodes(const QVariantList& ids) {
    QRectF box = nodesRect(graph_, toIds(ids), registry_);
    if (box.isNull()) {
        fail(tr("select the nodes to group first"));
        return -1;
    }
    box.adjust(-kGroupPadding, -kGroupPadding - kGroupTitleHeight, kGroupPadding, kGroupPadding);
    return addGroup(tr("Group"), box.x(), box.y(), box.width(), box.height());
}

void GraphDocument::updateGroup(int index, const QString& title, double x, double y, double width, double height,
                                const QString& color) {
    if (index < 0 || size_t(index) >= graph_.groups().size()) return void(fail(QString("there is no group %1").arg(index)));
    DeltaBuilder b(graph_);
    b.groups()[size_t(index)] = Group{title.toStdString(), x, y, width, height, color.toStdString()};
    commit(b, tr("Edit group"));
}

void GraphDocument::removeGroup(int index) {
    if (index < 0 || size_t(index) >= graph_.groups().size()) return void(fail(QString("there is no group %1").arg(index)));
    DeltaBuilder b(graph_);
    b.groups().erase(b.groups().begin() + index);
    commit(b, tr("Delete group"));
}

QVariantList GraphDocument::nodesInGroup(int index) const {
    QVariantList ids;
    if (index < 0 || size_t(index) >= graph_.groups().size()) return ids;
    const Group& g = graph_.groups()[size_t(index)];
    const QRectF area(g.x, g.y, g.width, g.height);
    for (const auto& [id, n] : graph_.nodes())
        if (area.contains(nodeRect(graph_, n, registry_))) ids.push_back(qint64(id));
    return ids;
}

// ---- undo ----

void GraphDocument::undo() { undo_->undo(); }
void GraphDocument::redo() { undo_->redo(); }
void GraphDocument::beginMacro(const QString& text) { undo_->beginMacro(text); }
void GraphDocument::endMacro() { undo_->endMacro(); }

}  // namespace tessera::editor
