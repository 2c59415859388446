// CLIPVisionLoader and CLIPVisionEncode as nodes: the tiny fixture tower from models/clip_vision gives
// ComfyUI's image embeds (tests/fixtures/clip_vision); a missing or wrong-kind file is named.
#include "core/engine/files/safetensors.h"
#include "nodes/clip_vision_values.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/support/tensor_compare.h"

using namespace tessera;
using tessera::test::closeToReference;

namespace {

namespace fs = std::filesystem;

class ClipVisionNodes : public test::NodeGraphTest {
protected:
    ClipVisionNodes() {
        nodes::registerClipVisionNodes(registry);
        fs::create_directories(root + "/models/clip_vision");
    }
    static std::string fixture(const std::string& name) { return test::sourceDir() + "/tests/fixtures/clip_vision/" + name; }
    NodeId encoder(const std::string& file, const std::string& crop, const at::Tensor& pixels) {
        const NodeId loader = add("CLIPVisionLoader", {{"clip_name", file}});
        const NodeId encode = add("CLIPVisionEncode", {{"crop", crop}});
        link(loader, 0, encode, "clip_vision");
        link(image(pixels), 0, encode, "image");
        return encode;
    }
};

TEST_F(ClipVisionNodes, EncodeGivesComfyUIsEmbedsForBothLayouts) {
    fs::copy_file(fixture("tiny_clip_vision_hf.safetensors"), root + "/models/clip_vision/hf.safetensors");
    fs::copy_file(fixture("tiny_clip_vision_openclip.safetensors"), root + "/models/clip_vision/openclip.safetensors");
    const auto ref = engine::loadAllTensors(fixture("clip_vision_reference.safetensors"));
    for (const std::string layout : {"hf", "openclip"})
        for (const std::string crop : {"center", "none"}) {
            const NodeId encode = encoder(layout + ".safetensors", crop, ref.at("image"));
            const RunResult r = run({encode});
            ASSERT_TRUE(r.succeeded()) << r.message;
            const auto out = r.outputs.at(encode)[0].as<nodes::ClipVisionOutputValue>();
            ASSERT_NE(out, nullptr);
            EXPECT_TRUE(closeToReference(out->output.imageEmbeds, ref.at(layout + "." + crop + ".image_embeds"))) << layout << crop;
            EXPECT_TRUE(closeToReference(out->output.penultimateHidden, ref.at(layout + "." + crop + ".penultimate_hidden_states")));
        }
}

TEST_F(ClipVisionNodes, MissingAndWrongKindFilesAreNamed) {
    const NodeId missing = encoder("nope.safetensors", "center", at::rand({1, 16, 16, 3}));
    const std::string m = failureOf(missing);
    EXPECT_NE(m.find("CLIP vision model 'nope.safetensors' not found"), std::string::npos) << m;
    EXPECT_NE(m.find("clip_vision"), std::string::npos) << m;

    engine::writeSafetensors(root + "/models/clip_vision/a_vae.safetensors", {{"decoder.conv_in.weight", at::zeros({4, 4, 3, 3})}});
    const NodeId wrong = encoder("a_vae.safetensors", "center", at::rand({1, 16, 16, 3}));
    const std::string w = failureOf(wrong);
    EXPECT_NE(w.find("'a_vae.safetensors' holds no CLIP vision model"), std::string::npos) << w;
    EXPECT_NE(w.find("CLIPVisionLoader"), std::string::npos) << w;
}

}  // namespace
