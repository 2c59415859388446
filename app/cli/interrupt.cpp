#include "app/cli/interrupt.h"

#include <csignal>

namespace tessera::cli {
namespace {

const CancelToken& interruptToken() {
    static const CancelToken* token = new CancelToken();  // never destroyed: the handler may run at exit
    return *token;
}

void onInterrupt(int) { interruptToken().cancel(); }

}  // namespace

ScopedInterrupt::ScopedInterrupt() {
    interruptToken().reset();
    std::signal(SIGINT, onInterrupt);
}

ScopedInterrupt::~ScopedInterrupt() { std::signal(SIGINT, SIG_DFL); }

const CancelToken& ScopedInterrupt::token() const { return interruptToken(); }

}  // namespace tessera::cli
