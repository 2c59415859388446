// Tests at the networks' real working sizes: seconds plain, minutes under the sanitizers. CI runs them
// in the plain build only (tests/sanitizers/plain_only.txt), which builds this area and not all of
// engine_tests.
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/vae.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;

// The VAE nodes' two ways: whole, or tiles of 64 cells overlapping by 16 (nodes/memory_estimates.h decides
// which: whole up to Vae::kWholeLatentCells, above that where memory allows; tests/nodes pins that rule).
TEST(VaeBounded, WholeOrTiledRunsTheWayItIsAsked) {
    at::manual_seed(2);
    const auto loaded = loadVaeFile(test::refdataPath("models/tiny-vae.safetensors"));  // float32, CPU
    const Vae& vae = *loaded;
    const at::Tensor large = at::randn({1, 4, 97, 96});  // past Vae::kWholeLatentCells: 776x768 pixels
    const at::Tensor tiled = vae.decodeWholeOrTiled(large, false), whole = vae.decodeWholeOrTiled(large, true);
    EXPECT_TRUE(tiled.equal(vae.decodeTiled(large, 64, 16)));
    EXPECT_TRUE(whole.equal(vae.decode(large)));
    EXPECT_FALSE(tiled.equal(whole));
    const int m = vae.downscale();
    const at::Tensor image = at::rand({1, 3, 97 * m, 96 * m}) * 2 - 1;
    EXPECT_TRUE(vae.encodeWholeOrTiled(image, false).equal(vae.encodeTiled(image, 64 * m, 16 * m)));
    EXPECT_TRUE(vae.encodeWholeOrTiled(image, true).equal(vae.encode(image)));
}
