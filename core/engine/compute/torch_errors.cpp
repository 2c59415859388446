#include "core/engine/compute/torch_errors.h"

#include "core/common/error.h"

namespace tessera::engine {

bool isOutOfMemory(const std::string& message) {
    return message.find("out of memory") != std::string::npos ||
           message.find("can't allocate memory") != std::string::npos;
}

void rethrowAsError(const std::string& what, const std::exception& e) {
    std::string msg = e.what();
    // libtorch appends a C++ backtrace after the first line; the first line is the useful part.
    const auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    if (isOutOfMemory(msg))
        throw Error(what + " ran out of memory (" + msg + "); use a smaller image or batch, tiled VAE decoding, " +
                    "or fewer models loaded at once");
    throw Error(what + " failed: " + msg + " (do the weights match the model type?)");
}

}  // namespace tessera::engine
