// LoRA files: a safetensors container whose key names (kohya, diffusers, PEFT, LoCon) and
// shapes come from strangers, resolved against a model's weight names.
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "core/engine/patches/lora.h"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace tessera;

namespace {

const std::vector<std::string> kUnetKeys = {
    "model.diffusion_model.input_blocks.1.1.proj_in.weight",
    "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight",
    "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
    "model.diffusion_model.input_blocks.1.0.in_layers.2.weight",
    "model.diffusion_model.middle_block.1.proj_out.weight",
    "model.diffusion_model.output_blocks.2.1.conv.weight",
};
const std::vector<std::string> kTextKeys = {
    "cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight",
    "cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight",
};

// The loader reads files by path; a memfd gives the bytes one without touching the disk.
class MemoryFile {
public:
    MemoryFile(const uint8_t* data, size_t size) : fd_(memfd_create("fuzz_lora", 0)) {
        if (fd_ >= 0 && size > 0 && write(fd_, data, size) != ssize_t(size)) {
            close(fd_);
            fd_ = -1;
        }
    }
    ~MemoryFile() {
        if (fd_ >= 0) close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace

TESSERA_FUZZ_TARGET(lora) {
    MemoryFile file(data, size);
    if (!file.ok()) return 0;
    for (auto naming : {engine::TextNaming::HuggingFace, engine::TextNaming::OpenClip}) {
        try {
            (void)engine::loadLora(file.path(), kUnetKeys, kTextKeys, naming);
        } catch (const Error&) {
        }
    }
    return 0;
}
