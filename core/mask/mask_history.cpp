#include "core/mask/mask_history.h"

namespace tessera::mask {

void MaskHistory::push(MaskEdit edit) {
    if (edit.empty()) return;
    while (steps_.size() > next_) {
        bytes_ -= steps_.back().byteSize();
        steps_.pop_back();
    }
    bytes_ += edit.byteSize();
    steps_.push_back(std::move(edit));
    next_ = steps_.size();
    trim();
}

PixelRect MaskHistory::undo(MaskImage& mask) {
    if (!canUndo()) return {};
    const PixelRect r = applyEdit(mask, steps_[next_ - 1], false);
    --next_;
    return r;
}

PixelRect MaskHistory::redo(MaskImage& mask) {
    if (!canRedo()) return {};
    const PixelRect r = applyEdit(mask, steps_[next_], true);
    ++next_;
    return r;
}

void MaskHistory::setBudget(size_t bytes) {
    budget_ = bytes;
    trim();
}

void MaskHistory::clear() {
    steps_.clear();
    next_ = 0;
    bytes_ = 0;
}

void MaskHistory::trim() {
    while (bytes_ > budget_ && steps_.size() > 1 && next_ > 1) {
        bytes_ -= steps_.front().byteSize();
        steps_.pop_front();
        --next_;
    }
    // Only redo steps are left to drop: the far end of the redo list goes first.
    while (bytes_ > budget_ && steps_.size() > next_ && steps_.size() > 1) {
        bytes_ -= steps_.back().byteSize();
        steps_.pop_back();
    }
}

}  // namespace tessera::mask
