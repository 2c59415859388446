#pragma once
// A cancellation flag shared between whoever starts long work and the work itself.
#include <atomic>
#include <memory>

#include "core/common/error.h"

namespace tessera {

class CancelToken {
public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
    void cancel() const { flag_->store(true); }
    bool cancelled() const { return flag_->load(); }
    void reset() const { flag_->store(false); }
    // Call at safe points (between nodes, every sampler step).
    void throwIfCancelled() const {
        if (cancelled()) throw Cancelled();
    }

private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

} // namespace tessera
