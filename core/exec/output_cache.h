#pragma once
// Node outputs by signature, within a byte budget; the least recently used go first.
// Values are shared pointers: a hit hands out the very objects that were stored.
#include "core/graph/value.h"

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tessera {

class OutputCache {
public:
    explicit OutputCache(size_t budgetBytes) : budget_(budgetBytes) {}

    std::optional<std::vector<Value>> find(uint64_t signature);  // marks it most recently used
    // Stores outputs, evicting the least recently used entries to stay within the budget.
    // Outputs larger than the whole budget are not kept. Returns how many entries were evicted.
    size_t put(uint64_t signature, std::vector<Value> outputs);
    bool contains(uint64_t signature) const;
    void clear();

    size_t bytes() const;
    size_t entries() const;
    size_t budget() const { return budget_; }
    void setBudget(size_t bytes);

    // Bytes held by the distinct objects among these values.
    static size_t sizeOf(const std::vector<Value>& values);

private:
    struct Entry {
        uint64_t signature;
        std::vector<Value> outputs;
        size_t bytes;
    };
    size_t evictToFit(size_t incoming);  // caller holds mutex_

    mutable std::mutex mutex_;
    size_t budget_;
    size_t bytes_ = 0;
    std::list<Entry> lru_;  // front: most recently used
    std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
};

}  // namespace tessera
