#pragma once
// Where a run reads models and images and writes its outputs. Shared by the CLI and the UI.
#include <string>
#include <vector>

namespace tessera {

struct Environment {
    // Models folders in search order (ComfyUI layout: checkpoints/, vae/, loras/, controlnet/,
    // embeddings/, vae_approx/, depth/, tokenizers/). The first one is where Tessera tells users to put files.
    std::vector<std::string> modelDirs;
    std::string inputDir;   // LoadImage file names resolve here
    std::string outputDir;  // SaveImage writes here
    std::string tempDir;    // PreviewImage writes here
    // The graph being run, serialised, for SaveImage to embed in PNGs (set by the executor's caller).
    std::string workflowJson;  // Tessera graph.json
    std::string promptJson;    // ComfyUI API prompt, so ComfyUI can read Tessera's images

    // Where models compute (engine::resolvePlacement): "auto" (CUDA when present, else CPU), "cpu", "cuda".
    std::string device = "auto";
    // Weight precision: "auto" (the fast path: fp16 on CUDA; on the CPU bf16 where native, else fp32),
    // "fp32" (the plain, golden-tested path), "fp16" (CUDA only), "bf16".
    std::string precision = "auto";
    // Sampler previews: "auto" (TAESD when vae_approx/taesd_decoder.safetensors exists, else latent2rgb),
    // "latent2rgb", "taesd", "none".
    std::string previewMethod = "auto";
    // Slow TAESD previews (a decode over 0.25 s) are skipped to stay near 5 % of the sampling
    // time; false shows every step whatever it costs (tests that count previews pin this).
    bool throttleSlowPreviews = true;

    // Full path of `name` in the models sub-folder `kind`, searching every models folder; empty if absent.
    std::string findModel(const std::string& kind, const std::string& name) const;
    // File names (relative to the kind's folder, sub-folders with '/') found for a kind, sorted.
    std::vector<std::string> listModels(const std::string& kind) const;
};

}  // namespace tessera
