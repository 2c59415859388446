// GraphDocument's reroute points: waypoints on a link, only for the look of the canvas.
#include "app/editor/document_util.h"
#include "app/editor/graph_commands.h"
#include "app/editor/graph_document.h"

#include <QUndoStack>

#include <cmath>

namespace tessera::editor {

// The link into the input when `index` names a reroute point of it (or, inserting, a place
// between them); else nullptr and lastError says why.
const Link* GraphDocument::rerouted(qint64 toNode, const QString& toInput, int index, bool inserting) {
    const Link* l = graph_.linkInto(toNode, toInput.toStdString());
    if (!l) {
        fail(QString("no link goes into '%1' of %2").arg(toInput, q(graph_.describeNode(toNode))));
        return nullptr;
    }
    const int count = int(l->reroutes.size());
    if (index < 0 || index > count || (!inserting && index == count)) {
        fail(QString("the link into '%1' of %2 has %3 reroute points; there is no point %4")
                 .arg(toInput, q(graph_.describeNode(toNode)))
                 .arg(count)
                 .arg(index));
        return nullptr;
    }
    return l;
}

bool GraphDocument::addReroute(qint64 toNode, const QString& toInput, int index, double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return fail(tr("a reroute point needs a finite position"));
    const Link* l = rerouted(toNode, toInput, index, true);
    if (!l) return false;
    DeltaBuilder b(graph_);
    auto& points = b.editLink(l->id)->reroutes;
    points.insert(points.begin() + index, Point{x, y});
    return commit(b, tr("Add reroute"));
}

bool GraphDocument::moveReroute(qint64 toNode, const QString& toInput, int index, double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return fail(tr("a reroute point needs a finite position"));
    const Link* l = rerouted(toNode, toInput, index, false);
    if (!l) return false;
    const Point before = l->reroutes[size_t(index)];
    if (before == Point{x, y}) return true;
    undo_->push(new RerouteMoveCommand(this, gesture_, l->id, size_t(index), before, {x, y}));
    return true;
}

bool GraphDocument::removeReroute(qint64 toNode, const QString& toInput, int index) {
    const Link* l = rerouted(toNode, toInput, index, false);
    if (!l) return false;
    DeltaBuilder b(graph_);
    auto& points = b.editLink(l->id)->reroutes;
    points.erase(points.begin() + index);
    return commit(b, tr("Remove reroute"));
}

}  // namespace tessera::editor
