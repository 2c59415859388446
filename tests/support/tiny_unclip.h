#pragma once
#include <string>

namespace tessera::test {

// A tiny SD2 unCLIP checkpoint in the real key layout, written as `dir`/`name`: refdata's tiny-sd2-v
// (UNet, OpenCLIP text model, VAE) with label_emb for a 48-wide ADM vector
// (tests/fixtures/unclip/make_unclip_fixtures.py) and a CLIP vision tower under embedder.model.visual.
// whose image embeds are 24 wide (tests/fixtures/clip_vision). Returns the path.
std::string writeTinyUnclipCheckpoint(const std::string& dir, const std::string& name = "tiny-unclip.safetensors");

}  // namespace tessera::test
