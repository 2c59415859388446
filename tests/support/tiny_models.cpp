#include "tests/support/tiny_models.h"

#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "tests/support/refdata.h"

#include <cstdlib>

namespace tessera::test {

engine::UNet tinyUNet() {
    return engine::UNet(engine::Weights::fromFile(*engine::SafetensorsFile::open(refdataPath("models/tiny-sd15.safetensors")),
                                                  "model.diffusion_model."));
}

engine::LoadedCheckpoint loadTinySd15() {
    ::setenv("TESSERA_CLIP_VOCAB", refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
    engine::LoadOptions options;
    options.modelDirs = {refdataDir()};
    options.placement = engine::Placement{};
    return engine::loadCheckpoint(refdataPath("models/tiny-sd15.safetensors"), options);
}

at::Tensor runGuided(const std::shared_ptr<const engine::DiffusionModel>& model, engine::Guider::Kind kind, double cfg,
                     const engine::Conditioning& positive, const engine::Conditioning& negative, const at::Tensor& sigmas,
                     const at::Tensor& latent, std::optional<int64_t> noiseSeed) {
    engine::CustomSamplerRequest r;
    r.guider.kind = kind;
    r.guider.model = model;
    r.guider.positive = {positive};
    if (kind == engine::Guider::Kind::Cfg) r.guider.negative = {negative};
    r.guider.cfg = cfg;
    r.sigmas = sigmas;
    r.latent = latent;
    r.addNoise = noiseSeed.has_value();
    r.seed = noiseSeed.value_or(0);
    return engine::runCustomSampler(r);
}

}  // namespace tessera::test
