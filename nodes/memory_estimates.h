#pragma once
// What the heavy nodes will allocate, estimated before they start from the shapes involved and
// the engine's own bounds (attention slices of at most 2 x 128 MiB, VAE tiles of 64 latent cells
// above 96x96), checked against core/exec/memory_budget. Estimates are of the peak working set,
// rounded up: the point is refusing what cannot fit with a clear message, not an exact count.
#include "core/exec/memory_budget.h"
#include "core/exec/node_context.h"

#include <cstdint>
#include <string>

namespace tessera::engine {
struct UNetConfig;
struct UpscaleModelConfig;
struct VaeConfig;
}  // namespace tessera::engine

namespace tessera::nodes {

// A float32 [batch, channels, h, w] latent or [batch, h, w, channels] image.
uint64_t float32Bytes(int64_t batch, int64_t channels, int64_t h, int64_t w);

// One sampler run: the model's activations for `modelBatch` items at once (2 x batch with CFG),
// its attention slices, and the sampler's float32 state (a few latents).
uint64_t samplingBytes(const engine::UNetConfig& unet, int64_t modelBatch, int64_t latentBatch, int64_t latentChannels,
                       int64_t latentH, int64_t latentW, int64_t elementBytes);

// Decoding a latent of latentH x latentW cells: the decoder's activations for one tile (`tileCells`
// square; 0: the whole latent) for the whole batch, and the float32 image it assembles.
uint64_t vaeDecodeBytes(const engine::VaeConfig& vae, int64_t batch, int64_t latentH, int64_t latentW,
                        int64_t elementBytes, int64_t tileCells);
// Encoding an image of h x w pixels, in tiles of `tileCells` latent cells square (0: whole).
uint64_t vaeEncodeBytes(const engine::VaeConfig& vae, int64_t batch, int64_t h, int64_t w, int64_t elementBytes,
                        int64_t tileCells);

// Whether VAEDecode and VAEEncode run the VAE on the whole input (Vae::decodeWholeOrTiled): always up to
// Vae::kWholeLatentCells latent cells (768x768 pixels), above that where the whole run's estimate fits the
// memory available (availableMemory()), as ComfyUI decodes whole wherever its estimate fits; else in tiles,
// which at 1024x1024 took 1.6x as long (SD1.5, float32) and blend the tiles' seams.
bool vaeDecodesWhole(const engine::VaeConfig& vae, int64_t batch, int64_t latentH, int64_t latentW, int64_t elementBytes);
bool vaeEncodesWhole(const engine::VaeConfig& vae, int64_t batch, int64_t h, int64_t w, int64_t elementBytes);

// An upscale model on a batch of h x w images in `tile`-pixel tiles: one tile's float32 activations (the
// dense blocks at the input resolution, three feature maps at the output's) and the float32 output
// accumulated on the CPU (sum, weights, result and its NHWC copy).
uint64_t upscaleModelBytes(const engine::UpscaleModelConfig& model, int64_t batch, int64_t h, int64_t w, int64_t tile);

// "64x4x2048x2048".
std::string dimsText(int64_t a, int64_t b, int64_t c, int64_t d);

// requireMemory, failing as the node: "<node>: needs about ... for <what>, but only ...".
void requireNodeMemory(const NodeContext& ctx, uint64_t bytes, const std::string& what);
// requireNodeMemory for a float32 RGB image batch the node makes ("a batch of 2 image(s) of 512x512 pixels").
void requireImageBatchMemory(const NodeContext& ctx, int64_t batch, int64_t height, int64_t width);

// The VAE nodes' check once vaeDecodesWhole / vaeEncodesWhole has chosen: the memory of the way chosen
// (`wholeBytes` or `tiledBytes`) through requireNodeMemory, and for tiles a note to the user (NodeContext::note)
// that `what` ("decoding 1 image(s) of 1024x1024 pixels") whole needs about `wholeBytes`, more than is available.
void requireVaeMemory(const NodeContext& ctx, bool whole, uint64_t wholeBytes, uint64_t tiledBytes, const std::string& what);

}  // namespace tessera::nodes
