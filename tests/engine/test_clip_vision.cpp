// CLIP vision towers against ComfyUI's own clip_model.py and clip_preprocess run on the same tiny
// weights (tests/fixtures/clip_vision, made by make_clip_vision_fixtures.py): both key layouts, both
// crops, the preprocessed pixels, hidden states and image embeds; damaged files are named.
#include "core/common/error.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/clip_vision.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::closeToReference;

namespace {

std::string clipVisionFixture(const std::string& name) {
    return test::sourceDir() + "/tests/fixtures/clip_vision/" + name;
}

const std::map<std::string, at::Tensor>& clipVisionReference() {
    static const auto ref = loadAllTensors(clipVisionFixture("clip_vision_reference.safetensors"));
    return ref;
}

}  // namespace

TEST(ClipVision, ShapesGiveTheConfigInBothLayouts) {
    for (const char* file : {"tiny_clip_vision_hf.safetensors", "tiny_clip_vision_openclip.safetensors"}) {
        const auto model = loadClipVisionFile(clipVisionFixture(file));
        const ClipVisionConfig& c = model->config();
        EXPECT_EQ(c.width, 32) << file;
        EXPECT_EQ(c.layers, 2) << file;
        EXPECT_EQ(c.heads, 2) << file;
        EXPECT_EQ(c.patch, 4) << file;
        EXPECT_EQ(c.imageSize, 16) << file;
        EXPECT_EQ(c.projection, 24) << file;
    }
    EXPECT_TRUE(loadClipVisionFile(clipVisionFixture("tiny_clip_vision_hf.safetensors"))->config().quickGelu);
    EXPECT_FALSE(loadClipVisionFile(clipVisionFixture("tiny_clip_vision_openclip.safetensors"))->config().quickGelu);
}

TEST(ClipVision, EncodeMatchesComfyUIForBothLayoutsAndCrops) {
    const auto& ref = clipVisionReference();
    const at::Tensor image = ref.at("image");  // [2, 20, 28, 4]: the alpha channel is dropped
    for (const std::string layout : {"hf", "openclip"}) {
        const auto model = loadClipVisionFile(clipVisionFixture("tiny_clip_vision_" + layout + ".safetensors"));
        for (const std::string crop : {"center", "none"}) {
            const std::string key = layout + "." + crop + ".";
            EXPECT_TRUE(closeToReference(model->preprocess(image, crop == "center"), ref.at(key + "pixels"), 1e-5)) << key;
            const ClipVisionOutput out = model->encode(image, crop == "center");
            EXPECT_TRUE(closeToReference(out.lastHidden, ref.at(key + "last_hidden_state"))) << key;
            EXPECT_TRUE(closeToReference(out.penultimateHidden, ref.at(key + "penultimate_hidden_states"))) << key;
            EXPECT_TRUE(closeToReference(out.imageEmbeds, ref.at(key + "image_embeds"))) << key;
        }
    }
}

TEST(ClipVision, FilesWithoutATowerOrWithDamagedShapesAreNamed) {
    const std::string dir = test::makeTempDir("clip-vision");
    writeSafetensors(dir + "/not_vision.safetensors", {{"model.diffusion_model.out.0.weight", at::ones({4})}});
    try {
        loadClipVisionFile(dir + "/not_vision.safetensors");
        ADD_FAILURE() << "loaded a file without a CLIP vision model";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'not_vision.safetensors' holds no CLIP vision model"), std::string::npos) << e.what();
    }
    auto tensors = loadAllTensors(clipVisionFixture("tiny_clip_vision_hf.safetensors"));
    tensors["vision_model.encoder.layers.1.mlp.fc2.bias"] = at::zeros({31});
    writeSafetensors(dir + "/damaged.safetensors", tensors);
    try {
        loadClipVisionFile(dir + "/damaged.safetensors");
        ADD_FAILURE() << "loaded a damaged file";
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("'damaged.safetensors'"), std::string::npos) << m;
        EXPECT_NE(m.find("vision_model.encoder.layers.1.mlp.fc2.bias"), std::string::npos) << m;
    }
    std::filesystem::remove_all(dir);
}
