#pragma once
// Where a node's ports sit on the canvas, shared by the QML node delegates (through GuiHelper)
// and the C++ link renderer, so links meet the port dots exactly.
// The numbers are NodeListModel's (node_list_model.h documents the layout).
#include "app/editor/node_list_model.h"

#include <QPointF>

namespace tessera::editor::layout {

inline constexpr double kHeaderHeight = NodeListModel::kHeaderHeight;  // title bar
inline constexpr double kRowHeight = NodeListModel::kRowHeight;        // a port row (input left, output right) or widget row
inline constexpr double kMultilineHeight = NodeListModel::kMultilineHeight;
inline constexpr double kBottomPadding = NodeListModel::kBottomPadding;
inline constexpr double kDefaultWidth = NodeListModel::kDefaultWidth;  // a node without a saved width
inline constexpr double kCollapsedWidth = 160;
inline constexpr double kPortRadius = 6;
inline constexpr double kTitleX = 24;  // where the title starts, after the collapse arrow

inline double nodeWidth(double savedWidth, bool collapsed) {
    if (collapsed) return kCollapsedWidth;
    return savedWidth > 0 ? savedWidth : kDefaultWidth;
}

// Canvas position of input port `slot` (index among the node's shown input ports) or output `slot`.
inline QPointF portPosition(double x, double y, double width, bool collapsed, bool output, int slot) {
    const double px = output ? x + width : x;
    if (collapsed) return {px, y + kHeaderHeight / 2};
    return {px, y + kHeaderHeight + (slot + 0.5) * kRowHeight};
}

}  // namespace tessera::editor::layout
