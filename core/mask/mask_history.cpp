#include "core/mask/mask_history.h"

#include "core/common/error.h"

#include <algorithm>
#include <string>

namespace tessera::mask {

size_t MaskHistory::byteSize(const MaskStep& step) {
    size_t bytes = 0;
    for (const auto& edit : step) bytes += edit.byteSize();
    return bytes;
}

PixelRect MaskHistory::apply(const MaskStep& step, const std::vector<MaskImage*>& layers, bool redo) {
    if (step.size() > layers.size())
        throw Error("this undo step changes " + std::to_string(step.size()) + " layers but " +
                    std::to_string(layers.size()) + " were given");
    PixelRect changed;
    for (size_t i = 0; i < step.size(); ++i)
        if (!step[i].empty()) changed = changed.united(applyEdit(*layers[i], step[i], redo));
    return changed;
}

void MaskHistory::push(MaskEdit edit) {
    MaskStep step;
    step.push_back(std::move(edit));
    push(std::move(step));
}

void MaskHistory::push(MaskStep step) {
    if (std::all_of(step.begin(), step.end(), [](const MaskEdit& e) { return e.empty(); })) return;
    while (steps_.size() > next_) {
        bytes_ -= byteSize(steps_.back());
        steps_.pop_back();
    }
    bytes_ += byteSize(step);
    steps_.push_back(std::move(step));
    next_ = steps_.size();
    trim();
}

PixelRect MaskHistory::undo(MaskImage& mask) { return undo(std::vector<MaskImage*>{&mask}); }
PixelRect MaskHistory::redo(MaskImage& mask) { return redo(std::vector<MaskImage*>{&mask}); }

PixelRect MaskHistory::undo(const std::vector<MaskImage*>& layers) {
    if (!canUndo()) return {};
    const PixelRect r = apply(steps_[next_ - 1], layers, false);
    --next_;
    return r;
}

PixelRect MaskHistory::redo(const std::vector<MaskImage*>& layers) {
    if (!canRedo()) return {};
    const PixelRect r = apply(steps_[next_], layers, true);
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
        bytes_ -= byteSize(steps_.front());
        steps_.pop_front();
        --next_;
    }
    // Only redo steps are left to drop: the far end of the redo list goes first.
    while (bytes_ > budget_ && steps_.size() > next_ && steps_.size() > 1) {
        bytes_ -= byteSize(steps_.back());
        steps_.pop_back();
    }
}

}  // namespace tessera::mask
