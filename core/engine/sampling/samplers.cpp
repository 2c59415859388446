#include "core/engine/sampling/samplers.h"

#include "core/common/closest_names.h"
#include "core/common/error.h"
#include "core/engine/sampling/sampler_steps.h"

#include "core/engine/compute/float32_math.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace tessera::engine {
namespace detail {

void SamplerRun::beginStep() const {
    if (callbacks_.cancel) callbacks_.cancel->throwIfCancelled();
}

at::Tensor SamplerRun::denoise(const at::Tensor& x, double sigma) const {
    at::Tensor out = denoiser_(x, sigma);
    if (!out.defined() || out.sizes() != x.sizes())
        throw Error("the denoiser returned a tensor of shape " +
                    (out.defined() ? std::string(c10::str(out.sizes())) : std::string("(none)")) + " for a latent of shape " +
                    std::string(c10::str(x.sizes())));
    return out;
}

GuidedDenoised SamplerRun::denoiseGuided(const at::Tensor& x, double sigma) const {
    if (!guided_) throw Error("this sampler needs the unconditional prediction, and the guidance gives none");
    GuidedDenoised out = (*guided_)(x, sigma);
    for (const at::Tensor* t : {&out.denoised, &out.uncondDenoised})
        if (!t->defined() || t->sizes() != x.sizes())
            throw Error("the guided denoiser returned a tensor of shape " +
                        (t->defined() ? std::string(c10::str(t->sizes())) : std::string("(none)")) +
                        " for a latent of shape " + std::string(c10::str(x.sizes())));
    return out;
}

at::Tensor SamplerRun::startStep(int i, const at::Tensor& x) const {
    beginStep();
    at::Tensor denoised = denoise(x, sigma(i));
    report(i, x, denoised);
    return denoised;
}

GuidedDenoised SamplerRun::startGuidedStep(int i, const at::Tensor& x) const {
    beginStep();
    GuidedDenoised out = denoiseGuided(x, sigma(i));
    report(i, x, out.denoised);
    return out;
}

void SamplerRun::report(int step, const at::Tensor& x, const at::Tensor& denoised) const {
    if (callbacks_.onStep) callbacks_.onStep(step, steps(), x, denoised);
}

at::Tensor SamplerRun::noiseBetween(const at::Tensor& like, double sigma, double sigmaNext) {
    const std::optional<uint64_t> seed = noise_.brownianSeed();
    if (!seed) return noise_.next(like);
    // ComfyUI draws the tree like the start latent and returns its noise in the sigmas' dtype; here in like's.
    if (!brownian_) {
        // ComfyUI: sigmas[sigmas > 0].min() and sigmas.max()
        double lowest = sigmas_.front();
        for (double s : sigmas_)
            if (s > 0) lowest = std::min(lowest, s);
        brownian_ = std::make_unique<BrownianTreeNoise>(start_, lowest, sigmas_.front(), *seed, float32Sigmas_);
    }
    return (*brownian_)(sigma, sigmaNext).to(like.options());
}

AncestralStep ancestralStep(double sigmaFrom, double sigmaTo, double eta) {
    if (eta == 0.0) return {sigmaTo, 0.0};
    // float32, as k-diffusion computes it on the schedule's tensors
    const float from = static_cast<float>(sigmaFrom), to = static_cast<float>(sigmaTo);
    const float up = std::min(to, static_cast<float>(eta) * f32::sqrt(to * to * (from * from - to * to) / (from * from)));
    const float down = f32::sqrt(to * to - up * up);
    return {down, up};
}

at::Tensor toD(const at::Tensor& x, double sigma, const at::Tensor& denoised) { return (x - denoised) / sigma; }

}  // namespace detail

namespace {

using SamplerFn = at::Tensor (*)(detail::SamplerRun&, at::Tensor);

const std::vector<std::pair<std::string, SamplerFn>>& samplerTable() {
    static const std::vector<std::pair<std::string, SamplerFn>> table = {
        {"euler", detail::sampleEuler},
        {"euler_cfg_pp", detail::sampleEulerCfgPp},
        {"euler_ancestral", detail::sampleEulerAncestral},
        {"euler_ancestral_cfg_pp", detail::sampleEulerAncestralCfgPp},
        {"heun", detail::sampleHeun},
        {"heunpp2", detail::sampleHeunpp2},
        {"exp_heun_2_x0", detail::sampleExpHeun2X0},
        {"exp_heun_2_x0_sde", detail::sampleExpHeun2X0Sde},
        {"dpm_2", detail::sampleDpm2},
        {"dpm_2_ancestral", detail::sampleDpm2Ancestral},
        {"lms", detail::sampleLms},
        {"dpm_fast", detail::sampleDpmFast},
        {"dpm_adaptive", detail::sampleDpmAdaptive},
        {"dpmpp_2s_ancestral", detail::sampleDpmpp2sAncestral},
        {"dpmpp_2s_ancestral_cfg_pp", detail::sampleDpmpp2sAncestralCfgPp},
        {"dpmpp_sde", detail::sampleDpmppSde},
        {"dpmpp_sde_gpu", detail::sampleDpmppSde},  // ComfyUI's _gpu: the same steps, noise drawn on the GPU
        {"dpmpp_2m", detail::sampleDpmpp2m},
        {"dpmpp_2m_cfg_pp", detail::sampleDpmpp2mCfgPp},
        {"dpmpp_2m_sde", detail::sampleDpmpp2mSde},
        {"dpmpp_2m_sde_gpu", detail::sampleDpmpp2mSde},
        {"dpmpp_2m_sde_heun", detail::sampleDpmpp2mSdeHeun},
        {"dpmpp_2m_sde_heun_gpu", detail::sampleDpmpp2mSdeHeun},
        {"dpmpp_3m_sde", detail::sampleDpmpp3mSde},
        {"dpmpp_3m_sde_gpu", detail::sampleDpmpp3mSde},
        {"ddpm", detail::sampleDdpm},
        {"lcm", detail::sampleLcm},
        {"ipndm", detail::sampleIpndm},
        {"ipndm_v", detail::sampleIpndmV},
        {"deis", detail::sampleDeis},
        {"res_multistep", detail::sampleResMultistep},
        {"res_multistep_cfg_pp", detail::sampleResMultistepCfgPp},
        {"res_multistep_ancestral", detail::sampleResMultistepAncestral},
        {"res_multistep_ancestral_cfg_pp", detail::sampleResMultistepAncestralCfgPp},
        {"gradient_estimation", detail::sampleGradientEstimation},
        {"gradient_estimation_cfg_pp", detail::sampleGradientEstimationCfgPp},
        {"er_sde", detail::sampleErSde},
        {"seeds_2", detail::sampleSeeds2},
        {"seeds_3", detail::sampleSeeds3},
        {"sa_solver", detail::sampleSaSolver},
        {"sa_solver_pece", detail::sampleSaSolverPece},
        {"ddim", detail::sampleEuler},  // ComfyUI runs euler for "ddim"
        {"uni_pc", detail::sampleUniPc},
        {"uni_pc_bh2", detail::sampleUniPcBh2},
    };
    return table;
}

std::vector<double> sigmaValues(const at::Tensor& sigmas) {
    if (!sigmas.defined() || sigmas.dim() != 1)
        throw Error("sampler: the sigma schedule must be a 1-D tensor");
    const at::Tensor s = sigmas.detach().to(at::kCPU, at::kDouble).contiguous();
    const double* p = s.data_ptr<double>();
    std::vector<double> values(p, p + s.numel());
    for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i]) || values[i] < 0)
            throw Error("sampler: sigma " + std::to_string(i) + " is " + std::to_string(values[i]) +
                        "; sigmas must be finite and non-negative");
        if (values[i] == 0 && i + 1 < values.size())
            throw Error("sampler: only the last sigma may be 0 (sigma " + std::to_string(i) + " of " +
                        std::to_string(values.size()) + " is 0)");
        if (i > 0 && values[i] > values[i - 1])
            throw Error("sampler: the sigma schedule must not increase (sigma " + std::to_string(i) + ")");
    }
    return values;
}

}  // namespace

std::vector<std::string> samplerNames() {
    std::vector<std::string> names;
    for (const auto& [name, fn] : samplerTable()) names.push_back(name);
    return names;
}

namespace {

bool stepsAlongUncond(const std::string& sampler) { return sampler.size() > 7 && sampler.ends_with("_cfg_pp"); }

at::Tensor runSampler(const std::string& sampler, const Denoiser& denoiser, const GuidedDenoiser* guided, at::Tensor x,
                      const at::Tensor& sigmas, NoiseSource& noise, const SamplerCallbacks& callbacks,
                      const SamplerOptions& options) {
    SamplerFn fn = nullptr;
    for (const auto& [name, f] : samplerTable())
        if (name == sampler) fn = f;
    if (!fn) throw Error(unknownNameMessage("sampler", sampler, samplerNames()));
    if (!denoiser) throw Error("sampler '" + sampler + "': no denoiser (model) was given");
    if (stepsAlongUncond(sampler) && !guided)
        throw Error("sampler '" + sampler + "' steps along the unconditional prediction (CFG++), so it needs CFG guidance " +
                    "with a negative conditioning (ComfyUI's CFGGuider/KSampler); this guidance gives none");
    if (!x.defined() || !x.is_floating_point()) throw Error("sampler '" + sampler + "': the latent must be a float tensor");
    const std::vector<double> values = sigmaValues(sigmas);
    if (values.size() < 2) return x;
    detail::SamplerRun run(denoiser, guided, values, sigmas.scalar_type() == at::kFloat, noise, callbacks, x,
                           options);
    return fn(run, std::move(x));
}

}  // namespace

at::Tensor sample(const std::string& sampler, const Denoiser& denoiser, at::Tensor x, const at::Tensor& sigmas,
                  NoiseSource& noise, const SamplerCallbacks& callbacks, const SamplerOptions& options) {
    return runSampler(sampler, denoiser, nullptr, std::move(x), sigmas, noise, callbacks, options);
}

at::Tensor sample(const std::string& sampler, const GuidedDenoiser& guided, at::Tensor x, const at::Tensor& sigmas,
                  NoiseSource& noise, const SamplerCallbacks& callbacks, const SamplerOptions& options) {
    if (!guided) throw Error("sampler '" + sampler + "': no denoiser (model) was given");
    const Denoiser plain = [&guided](const at::Tensor& in, double sigma) { return guided(in, sigma).denoised; };
    return runSampler(sampler, plain, &guided, std::move(x), sigmas, noise, callbacks, options);
}

}  // namespace tessera::engine
