#include "core/exec/output_cache.h"

#include <set>

namespace tessera {

size_t OutputCache::sizeOf(const std::vector<Value>& values) {
    std::set<const Object*> seen;
    size_t total = 0;
    for (const auto& v : values) {
        const Object* o = v.toObject().get();
        if (o && seen.insert(o).second) total += o->byteSize();
    }
    return total;
}

std::optional<std::vector<Value>> OutputCache::find(uint64_t signature) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(signature);
    if (it == index_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->outputs;
}

size_t OutputCache::put(uint64_t signature, std::vector<Value> outputs) {
    const size_t size = sizeOf(outputs);
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(signature); it != index_.end()) {
        bytes_ -= it->second->bytes;
        lru_.erase(it->second);
        index_.erase(it);
    }
    if (size > budget_) return 0;
    const size_t evicted = evictToFit(size);
    lru_.push_front({signature, std::move(outputs), size});
    index_[signature] = lru_.begin();
    bytes_ += size;
    return evicted;
}

size_t OutputCache::evictToFit(size_t incoming) {
    size_t evicted = 0;
    while (!lru_.empty() && bytes_ + incoming > budget_) {
        bytes_ -= lru_.back().bytes;
        index_.erase(lru_.back().signature);
        lru_.pop_back();
        ++evicted;
    }
    return evicted;
}

bool OutputCache::contains(uint64_t signature) const {
    std::lock_guard lock(mutex_);
    return index_.count(signature) != 0;
}

void OutputCache::clear() {
    std::lock_guard lock(mutex_);
    lru_.clear();
    index_.clear();
    bytes_ = 0;
}

size_t OutputCache::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

size_t OutputCache::entries() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
}

void OutputCache::setBudget(size_t bytes) {
    std::lock_guard lock(mutex_);
    budget_ = bytes;
    evictToFit(0);
}

}  // namespace tessera
