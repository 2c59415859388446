#pragma once
// Undo/redo of mask edits (strokes, fills) with a deep history bounded by memory: each step keeps
// only the tiles it changed, and when the steps together pass the budget the oldest are dropped
// (the newest step is always kept, even alone over budget). A step may change several layers of
// one size together (a colour sketch's coverage and colour channels, painted by one stroke).
#include "core/mask/mask_edit.h"

#include <cstddef>
#include <deque>
#include <vector>

namespace tessera::mask {

// One step's edits: edit i changes layer i.
using MaskStep = std::vector<MaskEdit>;

class MaskHistory {
public:
    static constexpr size_t kDefaultBudget = size_t(256) << 20;
    explicit MaskHistory(size_t budgetBytes = kDefaultBudget) : budget_(budgetBytes) {}

    // Records an edit already applied to the mask; discards the redo steps. Empty edits are ignored.
    void push(MaskEdit edit);
    // The same for a step of several layers; ignored when every edit in it is empty.
    void push(MaskStep step);
    // Undo/redo one step on `mask`; return the changed rectangle (empty when there was nothing to do).
    PixelRect undo(MaskImage& mask);
    PixelRect redo(MaskImage& mask);
    // The same on several layers: layers[i] takes the step's edit i. Throws tessera::Error when a
    // step has more edits than there are layers.
    PixelRect undo(const std::vector<MaskImage*>& layers);
    PixelRect redo(const std::vector<MaskImage*>& layers);

    bool canUndo() const { return next_ > 0; }
    bool canRedo() const { return next_ < steps_.size(); }
    size_t undoSteps() const { return next_; }
    size_t redoSteps() const { return steps_.size() - next_; }
    size_t bytesUsed() const { return bytes_; }
    size_t budget() const { return budget_; }
    void setBudget(size_t bytes);
    void clear();

private:
    static size_t byteSize(const MaskStep& step);
    static PixelRect apply(const MaskStep& step, const std::vector<MaskImage*>& layers, bool redo);
    void trim();
    std::deque<MaskStep> steps_;
    size_t next_ = 0;  // steps_[0..next_) are undoable, the rest redoable
    size_t bytes_ = 0;
    size_t budget_;
};

}  // namespace tessera::mask
