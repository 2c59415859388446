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

// The VAE nodes' rule: whole up to Vae::kWholeLatentCells latent cells, tiles (64 cells, overlap 16) above.
TEST(VaeBounded, WholeUpToTheLimitTiledAbove) {
    at::manual_seed(2);
    const auto loaded = loadVaeFile(test::refdataPath("models/tiny-vae.safetensors"));  // float32, CPU
    const Vae& vae = *loaded;
    const at::Tensor small = at::randn({1, 4, 96, 96});  // exactly the limit: decoded whole
    ASSERT_EQ(small.size(2) * small.size(3), Vae::kWholeLatentCells);
    EXPECT_TRUE(vae.decodeBounded(small).equal(vae.decode(small)));
    const at::Tensor large = at::randn({1, 4, 97, 96});
    EXPECT_TRUE(vae.decodeBounded(large).equal(vae.decodeTiled(large, 64, 16)));
    EXPECT_FALSE(vae.decodeBounded(large).equal(vae.decode(large)));
    const int m = vae.downscale();
    const at::Tensor image = at::rand({1, 3, 97 * m, 96 * m}) * 2 - 1;
    EXPECT_TRUE(vae.encodeBounded(image).equal(vae.encodeTiled(image, 64 * m, 16 * m)));
    const at::Tensor smallImage = image.narrow(2, 0, 96 * m);
    EXPECT_TRUE(vae.encodeBounded(smallImage).equal(vae.encode(smallImage)));
}
