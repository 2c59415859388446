#pragma once
// Undo/redo of mask edits (strokes, fills) with a deep history bounded by memory: each step keeps
// only the tiles it changed, and when the steps together pass the budget the oldest are dropped
// (the newest step is always kept, even alone over budget).
#include "core/mask/mask_edit.h"

#include <cstddef>
#include <deque>

namespace tessera::mask {

class MaskHistory {
public:
    static constexpr size_t kDefaultBudget = size_t(256) << 20;
    explicit MaskHistory(size_t budgetBytes = kDefaultBudget) : budget_(budgetBytes) {}

    // Records an edit already applied to the mask; discards the redo steps. Empty edits are ignored.
    void push(MaskEdit edit);
    // Undo/redo one step on `mask`; return the changed rectangle (empty when there was nothing to do).
    PixelRect undo(MaskImage& mask);
    PixelRect redo(MaskImage& mask);

    bool canUndo() const { return next_ > 0; }
    bool canRedo() const { return next_ < steps_.size(); }
    size_t undoSteps() const { return next_; }
    size_t redoSteps() const { return steps_.size() - next_; }
    size_t bytesUsed() const { return bytes_; }
    size_t budget() const { return budget_; }
    void setBudget(size_t bytes);
    void clear();

private:
    void trim();
    std::deque<MaskEdit> steps_;
    size_t next_ = 0;  // steps_[0..next_) are undoable, the rest redoable
    size_t bytes_ = 0;
    size_t budget_;
};

}  // namespace tessera::mask
