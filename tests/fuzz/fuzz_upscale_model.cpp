// Upscale-model files (ESRGAN / Real-ESRGAN / SRVGGNetCompact): the architecture and its sizes are
// inferred from tensor names and shapes that come from strangers. The input is one tensor per line,
// "name dim dim ...", as a file's header lists them (the container itself is fuzz_safetensors').
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "core/engine/networks/upscale_model_config.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>

using namespace tessera;

namespace {

engine::TensorShapes upscaleShapesOf(const uint8_t* data, size_t size) {
    engine::TensorShapes shapes;
    std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string name;
        if (!(fields >> name)) continue;
        std::vector<int64_t>& shape = shapes[name];
        shape.clear();
        // Like the file readers: at most 8 dimensions, each within [0, 2^62].
        for (uint64_t d; shape.size() < 8 && fields >> d;) shape.push_back(int64_t(std::min<uint64_t>(d, uint64_t(1) << 62)));
    }
    return shapes;
}

}  // namespace

TESSERA_FUZZ_TARGET(upscale_model) {
    const engine::TensorShapes shapes = upscaleShapesOf(data, size);
    try {
        const engine::UpscaleModelConfig config = engine::inferUpscaleModelConfig(shapes, "fuzz.pth");
        (void)config.describe();
        // A file that passes inference names a network of bounded size: its parameters are listed.
        const engine::TensorShapes expected = engine::upscaleParameterShapes(config);
        for (const auto& [key, shape] : shapes) {
            const std::string name = engine::canonicalUpscaleKey(config, key);
            if (!config.esrganLayout && name != key) std::abort();
        }
        (void)expected;
    } catch (const Error&) {
    }
    return 0;
}
