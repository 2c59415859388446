#include "core/engine/files/mapping_guard.h"

#include <csignal>
#include <cstdint>
#include <mutex>

#include <sys/mman.h>
#include <unistd.h>

namespace tessera::engine {
namespace {

constexpr int kSlots = 256;

// Read by the signal handler without locks: a slot is published by storing `end` last and
// retired by clearing `end` first.
struct Slot {
    std::atomic<uintptr_t> begin{0};
    std::atomic<uintptr_t> end{0};
    std::atomic<bool> damaged{false};
};
Slot slots[kSlots];
std::mutex slotsMutex;  // registration only
struct sigaction previous {};

void onSigbus(int sig, siginfo_t* info, void* context) {
    const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
    for (Slot& s : slots) {
        const uintptr_t end = s.end.load(std::memory_order_acquire);
        if (end == 0 || address < s.begin.load(std::memory_order_relaxed) || address >= end) continue;
        // Zero pages over the rest of the mapping from the faulting page: the read finishes, the data is
        // marked bad. mmap is a plain system call here (not on POSIX's async-signal-safe list, safe on Linux).
        const auto page = uintptr_t(::sysconf(_SC_PAGESIZE));
        const uintptr_t from = address / page * page;
        const void* fixed = ::mmap(reinterpret_cast<void*>(from), end - from, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (fixed == MAP_FAILED) break;
        s.damaged.store(true, std::memory_order_release);
        return;
    }
    // Not ours: behave as if this handler were not there.
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) previous.sa_sigaction(sig, info, context);
        return;
    }
    if (previous.sa_handler == SIG_IGN) return;
    if (previous.sa_handler != SIG_DFL && previous.sa_handler) {
        previous.sa_handler(sig);
        return;
    }
    std::signal(SIGBUS, SIG_DFL);  // ends the process as it would have without this handler
    ::raise(sig);
}

void installOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_sigaction = onSigbus;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGBUS, &action, &previous);
    });
}

}  // namespace

std::unique_ptr<MappingGuard> MappingGuard::protect(const void* begin, size_t size) {
    installOnce();
    std::lock_guard lock(slotsMutex);
    for (int i = 0; i < kSlots; ++i) {
        Slot& s = slots[i];
        if (s.end.load(std::memory_order_relaxed) != 0) continue;
        s.damaged.store(false, std::memory_order_relaxed);
        s.begin.store(reinterpret_cast<uintptr_t>(begin), std::memory_order_relaxed);
        s.end.store(reinterpret_cast<uintptr_t>(begin) + size, std::memory_order_release);
        return std::unique_ptr<MappingGuard>(new MappingGuard(i));
    }
    return std::unique_ptr<MappingGuard>(new MappingGuard(-1));
}

MappingGuard::~MappingGuard() {
    if (slot_ < 0) return;
    std::lock_guard lock(slotsMutex);
    slots[slot_].end.store(0, std::memory_order_release);
    slots[slot_].begin.store(0, std::memory_order_relaxed);
}

bool MappingGuard::damaged() const { return slot_ >= 0 && slots[slot_].damaged.load(std::memory_order_acquire); }

}  // namespace tessera::engine
