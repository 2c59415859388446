#include "tests/support/tiny_unclip.h"

#include "core/engine/files/safetensors.h"
#include "core/engine/files/tensor_file.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>

#include <map>

namespace tessera::test {

std::string writeTinyUnclipCheckpoint(const std::string& dir, const std::string& name) {
    std::map<std::string, at::Tensor> tensors;
    for (const std::string& part : {refdataPath("models/tiny-sd2-v.safetensors"),
                                    sourceDir() + "/tests/fixtures/unclip/tiny_unclip_label_emb.safetensors",
                                    sourceDir() + "/tests/fixtures/clip_vision/tiny_clip_vision_openclip.safetensors"}) {
        const auto file = engine::openTensorFile(part);
        for (const auto& e : file->entries()) tensors[e.name] = file->tensor(e.name).clone();
    }
    const std::string path = dir + "/" + name;
    engine::writeSafetensors(path, tensors);
    return path;
}

}  // namespace tessera::test
