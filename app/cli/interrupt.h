#pragma once
// Ctrl+C while a command runs: the SIGINT handler cancels one process-wide token (an atomic store);
// a command polls it or hands it to the work. The default action comes back when the scope ends.
#include "core/common/cancel.h"

namespace tessera::cli {

class ScopedInterrupt {
public:
    ScopedInterrupt();   // installs the handler; the token starts uncancelled
    ~ScopedInterrupt();  // restores SIG_DFL
    ScopedInterrupt(const ScopedInterrupt&) = delete;
    ScopedInterrupt& operator=(const ScopedInterrupt&) = delete;

    const CancelToken& token() const;
    bool requested() const { return token().cancelled(); }
};

}  // namespace tessera::cli
