#pragma once
// What a super-resolution ("upscale model") file holds, inferred from its tensor names and shapes the
// way ComfyUI's spandrel does, and its tensors renamed into one canonical layout:
//   RRDBNet (ESRGAN, Real-ESRGAN, BasicSR): canonical names conv_first, body.N.rdbJ.convK,
//     conv_body, conv_upM, conv_hr, conv_last. Old ESRGAN files name the same tensors
//     model.0, model.1.sub.N.RDBJ.convK.0, model.1.sub.<blocks>, model.3/6/... , model.<hr>, model.<last>.
//     Real-ESRGAN x2 / x1 files take the image pixel-unshuffled by 2 / 4: their first convolution
//     reads 4x / 16x the output channels.
//   SRVGGNetCompact (realesr-general-x4v3, realesr-animevideov3): body.N (convolutions, PReLU).
// Torch-free: it works on names and shapes only.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::engine {

using TensorShapes = std::map<std::string, std::vector<int64_t>>;

enum class UpscaleArch { RrdbNet, SrVggCompact };

struct UpscaleModelConfig {
    UpscaleArch arch = UpscaleArch::RrdbNet;
    bool esrganLayout = false;  // old ESRGAN names (model.N...) in the file
    int64_t inChannels = 3;     // of the image (before any pixel unshuffle)
    int64_t outChannels = 3;
    int64_t features = 64;
    int64_t growth = 32;        // RRDBNet: channels each dense convolution adds
    int64_t blocks = 23;        // RRDBNet: RRDB blocks; SRVGG: body convolutions between first and last
    int64_t upsamplings = 2;    // RRDBNet: nearest x2 + convolution stages
    int64_t unshuffle = 1;      // RRDBNet: pixel-unshuffle factor of the input (1, 2 or 4)
    int64_t scale = 4;          // output size / input size

    // "RRDBNet x4 (ESRGAN layout): 23 blocks, 64 features, growth 32".
    std::string describe() const;
};

// Infers the architecture and hyper-parameters from `shapes` (the file's tensors). Throws
// tessera::Error naming `path` and what was found when the layout is not one of the above.
UpscaleModelConfig inferUpscaleModelConfig(const TensorShapes& shapes, const std::string& path);

// Every tensor the network needs, by canonical name, with its shape.
TensorShapes upscaleParameterShapes(const UpscaleModelConfig& config);

// The canonical name of a file's tensor `key` (identity in the canonical layouts); empty for a key
// that the layout does not have.
std::string canonicalUpscaleKey(const UpscaleModelConfig& config, const std::string& key);

}  // namespace tessera::engine
