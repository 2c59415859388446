#pragma once
// The node types an artist can add, for the double-click search and the categorised menu.
#include "core/graph/registry.h"

#include <QObject>
#include <QVariant>

namespace tessera::editor {

class NodeCatalog : public QObject {
    Q_OBJECT
public:
    explicit NodeCatalog(const Registry& registry, QObject* parent = nullptr);

    // Fuzzy search over display name, type, category and port types, best first:
    // [{type, displayName, category, description, score}]. An empty query lists everything.
    // portType/portIsOutput (optional) keep only types with a compatible port: dragging from
    // an output of type T asks for nodes with an input accepting T (portIsOutput = true), and
    // the result carries "port": the name of that input (or the output index as a string).
    Q_INVOKABLE QVariantList search(const QString& query, const QString& portType = {}, bool portIsOutput = true,
                                    int limit = 50) const;
    // [{category, types: [{type, displayName}]}], categories sorted, "/" nesting kept in the name.
    Q_INVOKABLE QVariantList categories() const;
    // Colour of a port type ("#rrggbb"), the same in every view; unknown types get a stable hash colour.
    Q_INVOKABLE static QString portColor(const QString& type);

    // 0 = no match; higher is better. Subsequence match, bonuses for prefix, word starts, contiguity.
    static int fuzzyScore(const QString& query, const QString& text);

private:
    const Registry& registry_;
};

}  // namespace tessera::editor
