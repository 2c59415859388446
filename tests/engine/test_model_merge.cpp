// Model and CLIP merges (core/engine/model_merge) against digests of ComfyUI-semantics merges
// computed by tests/fixtures/merges/make_merge_reference.py, the block ratios key by key, and the
// errors for models that do not fit together.
#include "core/engine/patches/model_merge.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weights.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/weights_digest.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;
using tessera::test::mergeReferenceDigest;
using tessera::test::weightsDigest;

namespace {

const char* kUnetPrefix = "model.diffusion_model.";
const char* kTextPrefix = "cond_stage_model.transformer.text_model.";

Weights loadPart(const std::string& model, const std::string& prefix) {
    auto file = openTensorFile(test::refdataPath("models/" + model));
    return Weights::fromFile(*file, prefix);
}

// The second model of the reference: every floating tensor flipped along its first axis.
Weights flippedCopy(const Weights& w) {
    Weights out = w.detachedCopy();
    for (const auto& key : w.keys()) {
        const at::Tensor t = w.get(key);
        if (t.is_floating_point() && t.dim() >= 1) out.set(key, t.flip(0).contiguous());
    }
    return out;
}

class ModelMerge : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        unet = new Weights(loadPart("tiny-sd15.safetensors", kUnetPrefix));
        text = new Weights(loadPart("tiny-sd15.safetensors", kTextPrefix));
        unet2 = new Weights(flippedCopy(*unet));
        text2 = new Weights(flippedCopy(*text));
    }
    static void TearDownTestSuite() {
        delete unet, delete text, delete unet2, delete text2;
        unet = text = unet2 = text2 = nullptr;
    }
    static std::string mergedUnetDigest(const MergeRule& rule) {
        const auto merged = mergeWeights(*unet, *unet2, rule, "model1 and model2");
        return merged ? weightsDigest(*merged) : "unchanged";
    }
    static std::string mergedTextDigest(MergeStrengths s) {
        const auto merged = mergeWeights(*text, *text2, textMergeRule(s), "clip1 and clip2");
        return merged ? weightsDigest(*merged) : "unchanged";
    }
    static Weights *unet, *text, *unet2, *text2;
};
Weights *ModelMerge::unet, *ModelMerge::text, *ModelMerge::unet2, *ModelMerge::text2;

TEST_F(ModelMerge, ModelMergesMatchComfyUISemanticsBitForBit) {
    EXPECT_EQ(mergedUnetDigest(uniformMergeRule(mergeRatio(0.3))), mergeReferenceDigest("ModelMergeSimple(0.3)"));
    EXPECT_EQ(mergedUnetDigest(uniformMergeRule(mergeAddition())), mergeReferenceDigest("ModelMergeAdd"));
    EXPECT_EQ(mergedUnetDigest(uniformMergeRule(mergeSubtraction(0.7))), mergeReferenceDigest("ModelMergeSubtract(0.7)"));
    EXPECT_EQ(mergedUnetDigest(blockMergeRule(0.25, 0.5, 0.75)), mergeReferenceDigest("ModelMergeBlocks(0.25,0.5,0.75)"));
}

TEST_F(ModelMerge, ClipMergesMatchComfyUISemanticsBitForBit) {
    EXPECT_EQ(mergedTextDigest(mergeRatio(0.4)), mergeReferenceDigest("CLIPMergeSimple(0.4)"));
    EXPECT_EQ(mergedTextDigest(mergeAddition()), mergeReferenceDigest("CLIPMergeAdd"));
    EXPECT_EQ(mergedTextDigest(mergeSubtraction(1.5)), mergeReferenceDigest("CLIPMergeSubtract(1.5)"));
}

TEST_F(ModelMerge, BlockRatiosFollowTheKeyPrefixes) {
    const auto merged = mergeWeights(*unet, *unet2, blockMergeRule(0.25, 0.5, 0.75), "model1 and model2");
    ASSERT_TRUE(merged);
    // time_embed takes the input ratio; "out" covers both output_blocks and the final out layer.
    const std::map<std::string, double> ratios = {{"time_embed.0.weight", 0.25},
                                                  {"input_blocks.1.0.in_layers.2.weight", 0.25},
                                                  {"middle_block.1.proj_in.weight", 0.5},
                                                  {"output_blocks.2.0.skip_connection.weight", 0.75},
                                                  {"out.2.weight", 0.75}};
    for (const auto& [key, ratio] : ratios) {
        const at::Tensor a = unet->get(key).to(at::kDouble), b = unet2->get(key).to(at::kDouble);
        const at::Tensor want = a * ratio + b * (1 - ratio);
        const double err = (merged->get(key).to(at::kDouble) - want).abs().max().item<double>();
        EXPECT_LT(err, 1e-6 * std::max(1.0, want.abs().max().item<double>())) << key;
        EXPECT_GT((a - b).abs().max().item<double>(), 1e-3) << key << ": the two models must differ here";
    }
}

TEST_F(ModelMerge, LeavesTheInputsAndTheKeptWeightsAlone) {
    const at::Tensor before = unet->get("out.2.weight").clone();
    const auto merged = mergeWeights(*unet, *unet2, uniformMergeRule(mergeRatio(0.5)), "model1 and model2");
    ASSERT_TRUE(merged);
    EXPECT_TRUE(unet->get("out.2.weight").equal(before));
    EXPECT_FALSE(merged->get("out.2.weight").equal(before));
    // Ratio 1 changes nothing: no copy at all.
    EXPECT_FALSE(mergeWeights(*unet, *unet2, uniformMergeRule(mergeRatio(1.0)), "model1 and model2"));
    // The CLIP merges keep clip1's position ids (shared, not copied).
    Weights otherIds = text2->detachedCopy();
    otherIds.set("embeddings.position_ids", text->get("embeddings.position_ids").flip(1).contiguous());
    const auto mergedText = mergeWeights(*text, otherIds, textMergeRule(mergeAddition()), "clip1 and clip2");
    ASSERT_TRUE(mergedText);
    EXPECT_TRUE(mergedText->get("embeddings.position_ids").is_same(text->get("embeddings.position_ids")));
}

TEST_F(ModelMerge, ModelsThatDoNotFitTogetherAreNamed) {
    const Weights sd2 = loadPart("tiny-sd2-v.safetensors", kUnetPrefix);
    const std::string shapes = errorOf([&] { mergeWeights(*unet, sd2, uniformMergeRule(mergeRatio(0.5)), "model1 and model2"); });
    EXPECT_NE(shapes.find("cannot merge model1 and model2: 169 of their 232 common weights differ in shape, such as '"),
              std::string::npos)
        << shapes;
    EXPECT_NE(shapes.find("in the first and ["), std::string::npos) << shapes;
    const Weights sd2Text = loadPart("tiny-sd2-v.safetensors", "cond_stage_model.model.");
    const std::string nothing = errorOf([&] { mergeWeights(*text, sd2Text, textMergeRule(mergeRatio(0.5)), "clip1 and clip2"); });
    EXPECT_EQ(nothing, "cannot merge clip1 and clip2: they have no weight in common (different kinds of model)");
}

TEST_F(ModelMerge, AWeightOfAnotherShapeKeepsTheFirstNetworksAsInComfyUI) {
    // The published inpainting merge: the inpainting UNet minus SD1.5, its 9-channel input convolution untouched.
    const Weights inpainting = loadPart("tiny-sd15-inpainting.safetensors", kUnetPrefix);
    const auto merged = mergeWeights(inpainting, *unet, uniformMergeRule(mergeSubtraction(1.0)), "model1 and model2");
    ASSERT_TRUE(merged);
    const at::Tensor input = merged->get("input_blocks.0.0.weight");
    EXPECT_EQ(input.sizes(), at::IntArrayRef({32, 9, 3, 3}));
    EXPECT_TRUE(input.equal(inpainting.get("input_blocks.0.0.weight")));
    const at::Tensor out = merged->get("out.2.weight").to(at::kDouble);
    const at::Tensor want = inpainting.get("out.2.weight").to(at::kDouble) - unet->get("out.2.weight").to(at::kDouble);
    EXPECT_LT((out - want).abs().max().item<double>(), 2e-3);  // stored in the file's float16
}

}  // namespace
