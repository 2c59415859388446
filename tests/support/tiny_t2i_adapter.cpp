#include "tests/support/tiny_t2i_adapter.h"

#include "core/engine/files/safetensors.h"

#include <torch/torch.h>

#include <map>
#include <vector>

namespace tessera::test {

std::string writeTinySd15Adapter(const std::string& dir) {
    at::manual_seed(7);
    std::map<std::string, at::Tensor> t;
    auto conv = [&](const std::string& name, int64_t out, int64_t in, int64_t k) {
        t[name + ".weight"] = at::randn({out, in, k, k}) * 0.1;
        t[name + ".bias"] = at::randn({out}) * 0.1;
    };
    conv("conv_in", 32, 3 * 64, 3);
    const std::vector<int64_t> channels{32, 64, 64};
    for (int level = 0; level < 3; ++level) {
        for (int j = 0; j < 2; ++j) {
            const std::string body = "body." + std::to_string(level * 2 + j);
            if (level > 0 && j == 0 && channels[size_t(level)] != channels[size_t(level - 1)])
                conv(body + ".in_conv", channels[size_t(level)], channels[size_t(level - 1)], 1);
            conv(body + ".block1", channels[size_t(level)], channels[size_t(level)], 3);
            conv(body + ".block2", channels[size_t(level)], channels[size_t(level)], 1);
        }
    }
    const std::string path = dir + "/t2iadapter_tiny_sd15.safetensors";
    engine::writeSafetensors(path, t);
    return path;
}


}  // namespace tessera::test
