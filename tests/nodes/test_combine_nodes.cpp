// ComfyUI's simple latent, image and conditioning nodes, against values computed here: batches,
// flips, crops, composites, blends, and conditioning lists with their areas, masks and ranges.
#include "tests/nodes/node_test_fixture.h"

#include <cmath>

using namespace tessera;
using tessera::test::nearTensor;
using tessera::test::sameTensor;

namespace {

class CombineNodes : public test::NodeGraphTest {
protected:
    CombineNodes() {
        nodes::registerLatentNodes(registry);
        nodes::registerLatentBatchNodes(registry);
        nodes::registerLatentTransformNodes(registry);
        nodes::registerLatentCompositeNodes(registry);
        nodes::registerLatentMathNodes(registry);
        nodes::registerImageComposeNodes(registry);
        nodes::registerConditioningCombineNodes(registry);
        nodes::registerConditioningRegionNodes(registry);
        addSource("TestLatent", "LATENT");
        addSource("TestConditioning", "CONDITIONING");
    }

    NodeId latent(at::Tensor samples, at::Tensor noiseMask = {}) {
        auto v = std::make_shared<nodes::LatentValue>(std::move(samples));
        v->noiseMask = std::move(noiseMask);
        return source("TestLatent", v);
    }
    NodeId conditioning(std::vector<engine::Conditioning> entries) {
        return source("TestConditioning", std::make_shared<nodes::ConditioningValue>(std::move(entries)));
    }
    NodeId node(const std::string& type, std::vector<std::pair<NodeId, std::string>> inputs,
                std::map<std::string, Value> widgets = {}) {
        const NodeId n = add(type, std::move(widgets));
        for (const auto& [from, input] : inputs) link(from, 0, n, input);
        return n;
    }
    std::shared_ptr<const nodes::LatentValue> latentOf(NodeId n) { return value(n).as<nodes::LatentValue>(); }
    const std::vector<engine::Conditioning>& entriesOf(NodeId n) {
        kept_.push_back(value(n));
        return kept_.back().as<nodes::ConditioningValue>()->entries;
    }

private:
    Value value(NodeId n) {
        const RunResult r = run({n});
        if (!r.succeeded()) {
            ADD_FAILURE() << "run failed: " << r.message;
            throw std::runtime_error(r.message);
        }
        return r.outputs.at(n).at(0);
    }
    void addSource(const std::string& type, const std::string& outType) {
        NodeDecl d;
        d.type = type;
        d.displayName = type;
        d.category = "test";
        InputDecl key;
        key.name = "key";
        key.type = "INT";
        key.defaultValue = Value(int64_t(0));
        d.inputs = {key};
        d.outputs = {{outType, outType}};
        d.run = [this](NodeContext& ctx) { return std::vector<Value>{values_.at(size_t(ctx.getInt("key")))}; };
        registry.add(std::move(d));
    }
    NodeId source(const std::string& type, Value v) {
        values_.push_back(std::move(v));
        return add(type, {{"key", Value(int64_t(values_.size() - 1))}});
    }
    std::vector<Value> values_, kept_;
};

// [B,C,H,W] with a distinct value everywhere.
at::Tensor ramp(int64_t b, int64_t c, int64_t h, int64_t w) {
    return at::arange(b * c * h * w, at::kFloat).view({b, c, h, w});
}

engine::Conditioning text(at::Tensor context) { return engine::Conditioning{std::move(context)}; }

}  // namespace

TEST_F(CombineNodes, RepeatLatentBatchRepeatsSamplesAndBatchedMasks) {
    const at::Tensor s = ramp(2, 4, 3, 3), m = at::rand({2, 1, 24, 24});
    const auto out = latentOf(node("RepeatLatentBatch", {{latent(s, m), "samples"}}, {{"amount", 3}}));
    EXPECT_TRUE(sameTensor(out->samples, at::cat({s, s, s})));
    EXPECT_TRUE(sameTensor(out->noiseMask, at::cat({m, m, m})));
    const at::Tensor single = at::rand({1, 1, 24, 24});  // a mask for the whole batch stays as it is
    EXPECT_TRUE(sameTensor(latentOf(node("RepeatLatentBatch", {{latent(s, single), "samples"}}, {{"amount", 2}}))->noiseMask, single));
}

TEST_F(CombineNodes, LatentFromBatchCutsIndexAndLengthToTheBatch) {
    const at::Tensor s = ramp(4, 4, 2, 2), m = at::rand({2, 1, 16, 16});
    const auto mid = latentOf(node("LatentFromBatch", {{latent(s, m), "samples"}}, {{"batch_index", 1}, {"length", 2}}));
    EXPECT_TRUE(sameTensor(mid->samples, s.slice(0, 1, 3)));
    // A mask batch of 2 is repeated to the samples' 4 first: rows 1, 2 are masks 1, 0.
    EXPECT_TRUE(sameTensor(mid->noiseMask, at::cat({m.slice(0, 1, 2), m.slice(0, 0, 1)})));
    const auto past = latentOf(node("LatentFromBatch", {{latent(s), "samples"}}, {{"batch_index", 9}, {"length", 5}}));
    EXPECT_TRUE(sameTensor(past->samples, s.slice(0, 3, 4)));
}

TEST_F(CombineNodes, LatentBatchAppendsAndResizesTheSecond) {
    const at::Tensor a = ramp(1, 4, 4, 4), b = ramp(2, 4, 4, 4) * 2;
    EXPECT_TRUE(sameTensor(latentOf(node("LatentBatch", {{latent(a), "samples1"}, {latent(b), "samples2"}}))->samples,
                           at::cat({a, b})));
    const at::Tensor small = at::ones({1, 4, 2, 2}) * 5;  // bilinear of a constant is the constant
    EXPECT_TRUE(sameTensor(latentOf(node("LatentBatch", {{latent(a), "samples1"}, {latent(small), "samples2"}}))->samples,
                           at::cat({a, at::ones({1, 4, 4, 4}) * 5})));
    const NodeId other = node("LatentBatch", {{latent(a), "samples1"}, {latent(at::zeros({1, 16, 4, 4})), "samples2"}});
    EXPECT_NE(failureOf(other).find("LatentBatch"), std::string::npos);
    EXPECT_NE(failureOf(other).find("channels"), std::string::npos);
}

TEST_F(CombineNodes, BatchNodesNumberTheSeedNoiseOfEachEntryLikeComfyUI) {
    const at::Tensor s = ramp(4, 4, 2, 2);
    const NodeId taken = node("LatentFromBatch", {{latent(s), "samples"}}, {{"batch_index", 1}, {"length", 2}});
    EXPECT_EQ(latentOf(taken)->batchIndex, (std::vector<int64_t>{1, 2}));
    // Taken again: the indices it carries are cut, not renumbered.
    const NodeId again = node("LatentFromBatch", {{taken, "samples"}}, {{"batch_index", 1}, {"length", 1}});
    EXPECT_EQ(latentOf(again)->batchIndex, (std::vector<int64_t>{2}));
    // Repeats continue past the span of the indices (1..2, offset 2).
    EXPECT_EQ(latentOf(node("RepeatLatentBatch", {{taken, "samples"}}, {{"amount", 3}}))->batchIndex,
              (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(latentOf(node("RepeatLatentBatch", {{latent(s), "samples"}}, {{"amount", 2}}))->batchIndex.empty());
    // LatentBatch numbers a side without indices from 0.
    EXPECT_EQ(latentOf(node("LatentBatch", {{taken, "samples1"}, {latent(s.slice(0, 0, 2)), "samples2"}}))->batchIndex,
              (std::vector<int64_t>{1, 2, 0, 1}));
    EXPECT_EQ(latentOf(node("LatentBatchSeedBehavior", {{taken, "samples"}}, {{"seed_behavior", "fixed"}}))->batchIndex,
              (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(latentOf(node("LatentBatchSeedBehavior", {{latent(s), "samples"}}, {{"seed_behavior", "fixed"}}))->batchIndex,
              (std::vector<int64_t>(4, 0)));
    EXPECT_TRUE(latentOf(node("LatentBatchSeedBehavior", {{taken, "samples"}}, {{"seed_behavior", "random"}}))->batchIndex.empty());
    // Nodes that keep the batch pass the indices on.
    EXPECT_EQ(latentOf(node("LatentMultiply", {{taken, "samples"}}, {{"multiplier", 2.0}}))->batchIndex,
              (std::vector<int64_t>{1, 2}));
}

TEST_F(CombineNodes, LatentArithmeticResizesAndRepeatsTheSecondLikeComfyUI) {
    const at::Tensor a = ramp(2, 4, 2, 2), b = at::ones({1, 4, 1, 1}) * 3;  // b resized (bilinear of a constant) and repeated
    const NodeId la = latent(a, at::ones({1, 1, 16, 16})), lb = latent(b);
    const auto sum = latentOf(node("LatentAdd", {{la, "samples1"}, {lb, "samples2"}}));
    EXPECT_TRUE(sameTensor(sum->samples, a + 3));
    EXPECT_TRUE(sameTensor(sum->noiseMask, at::ones({1, 1, 16, 16})));  // samples1's
    EXPECT_TRUE(sameTensor(latentOf(node("LatentSubtract", {{la, "samples1"}, {lb, "samples2"}}))->samples, a - 3));
    EXPECT_TRUE(sameTensor(latentOf(node("LatentMultiply", {{la, "samples"}}, {{"multiplier", -1.5}}))->samples, a * -1.5));
    // A larger batch in samples2 is cut to samples1's.
    EXPECT_EQ(latentOf(node("LatentAdd", {{lb, "samples1"}, {la, "samples2"}}))->samples.sizes(), b.sizes());
    const NodeId other = node("LatentAdd", {{la, "samples1"}, {latent(at::zeros({1, 16, 2, 2})), "samples2"}});
    EXPECT_NE(failureOf(other).find("channels"), std::string::npos);
}

TEST_F(CombineNodes, LatentInterpolateBlendsDirectionsAndLengthsPerCell) {
    // One cell: s1 = (3, 4, 0, 0) of length 5, s2 = (0, 0, 0, 2) of length 2, ratio 0.25.
    const at::Tensor s1 = at::tensor({3.0f, 4.0f, 0.0f, 0.0f}).view({1, 4, 1, 1});
    const at::Tensor s2 = at::tensor({0.0f, 0.0f, 0.0f, 2.0f}).view({1, 4, 1, 1});
    const auto out = latentOf(node("LatentInterpolate", {{latent(s1), "samples1"}, {latent(s2), "samples2"}}, {{"ratio", 0.25}}));
    // t = 0.25 * (0.6, 0.8, 0, 0) + 0.75 * (0, 0, 0, 1); out = t / |t| * (0.25 * 5 + 0.75 * 2).
    const at::Tensor t = at::tensor({0.15f, 0.2f, 0.0f, 0.75f}).view({1, 4, 1, 1});
    EXPECT_TRUE(nearTensor(out->samples, t / std::sqrt(0.15 * 0.15 + 0.2 * 0.2 + 0.75 * 0.75) * 2.75, 1e-6));
    // A zero cell has no direction: it becomes 0, not NaN. A batch of two interpolates each entry.
    const at::Tensor zero = at::zeros({1, 4, 1, 1});
    const auto both = latentOf(node("LatentInterpolate", {{latent(at::cat({s1, zero})), "samples1"}, {latent(s2), "samples2"}},
                                    {{"ratio", 0.25}}));
    EXPECT_TRUE(nearTensor(both->samples[0], out->samples[0], 1e-6));
    EXPECT_TRUE(nearTensor(both->samples[1], s2[0] * 0.75, 1e-6));
}

TEST_F(CombineNodes, FlipRotateAndCropMoveCellsAsComfyUI) {
    const at::Tensor s = ramp(1, 1, 2, 3);  // [[0 1 2] [3 4 5]]
    const NodeId l = latent(s);
    EXPECT_TRUE(sameTensor(latentOf(node("LatentFlip", {{l, "samples"}}, {{"flip_method", "x-axis: vertically"}}))->samples,
                           at::tensor({3.f, 4.f, 5.f, 0.f, 1.f, 2.f}).view({1, 1, 2, 3})));
    EXPECT_TRUE(sameTensor(latentOf(node("LatentFlip", {{l, "samples"}}, {{"flip_method", "y-axis: horizontally"}}))->samples,
                           at::tensor({2.f, 1.f, 0.f, 5.f, 4.f, 3.f}).view({1, 1, 2, 3})));
    // 90 degrees clockwise: the left column, bottom to top, becomes the top row.
    EXPECT_TRUE(sameTensor(latentOf(node("LatentRotate", {{l, "samples"}}, {{"rotation", "90 degrees"}}))->samples,
                           at::tensor({3.f, 0.f, 4.f, 1.f, 5.f, 2.f}).view({1, 1, 3, 2})));
    EXPECT_TRUE(sameTensor(latentOf(node("LatentRotate", {{l, "samples"}}, {{"rotation", "180 degrees"}}))->samples,
                           s.flip({2, 3})));
    const at::Tensor big = ramp(1, 4, 20, 20);
    const auto crop = latentOf(node("LatentCrop", {{latent(big), "samples"}},
                                    {{"width", 64}, {"height", 80}, {"x", 24}, {"y", 200}}));
    // y = 200 / 8 = 25 is kept 8 cells from the bottom: 12; 80 / 8 = 10 rows are cut at the edge.
    EXPECT_TRUE(sameTensor(crop->samples, big.slice(2, 12, 20).slice(3, 3, 11)));
}

TEST_F(CombineNodes, LatentUpscaleByRoundsEachSide) {
    const at::Tensor s = ramp(1, 4, 5, 6);
    const auto out = latentOf(node("LatentUpscaleBy", {{latent(s), "samples"}}, {{"upscale_method", "nearest-exact"}, {"scale_by", 1.5}}));
    EXPECT_EQ(out->samples.sizes(), (at::IntArrayRef{1, 4, 8, 9}));  // round(7.5) = 8 (half to even), round(9) = 9
    EXPECT_TRUE(sameTensor(out->samples, at::_upsample_nearest_exact2d(s, {8, 9})));
}

TEST_F(CombineNodes, LatentCompositePastesWithAFeatheredEdge) {
    const at::Tensor to = at::zeros({1, 1, 8, 8}), from = at::ones({1, 1, 4, 4});
    const auto hard = latentOf(node("LatentComposite", {{latent(to), "samples_to"}, {latent(from), "samples_from"}},
                                    {{"x", 16}, {"y", 48}, {"feather", 0}}));
    at::Tensor want = at::zeros({1, 1, 8, 8});
    want.narrow(2, 6, 2).narrow(3, 2, 4).fill_(1);  // cut at the bottom edge
    EXPECT_TRUE(sameTensor(hard->samples, want));
    const auto soft = latentOf(node("LatentComposite", {{latent(to), "samples_to"}, {latent(from), "samples_from"}},
                                    {{"x", 16}, {"y", 16}, {"feather", 16}}));
    // feather 2 cells: the outer row/column weighs 1/2, the next 2/2; corners multiply.
    const at::Tensor rows = at::tensor({0.5f, 1.f, 1.f, 0.5f});
    at::Tensor full = at::zeros({1, 1, 8, 8});
    full.narrow(2, 2, 4).narrow(3, 2, 4).copy_(rows.view({4, 1}) * rows.view({1, 4}));
    EXPECT_TRUE(nearTensor(soft->samples, full, 1e-7));
    const NodeId outside = node("LatentComposite", {{latent(to), "samples_to"}, {latent(from), "samples_from"}}, {{"x", 64}});
    EXPECT_NE(failureOf(outside).find("outside samples_to"), std::string::npos);
}

TEST_F(CombineNodes, CompositeMaskedBlendsThroughTheMask) {
    const at::Tensor dst = at::zeros({1, 4, 4, 4}), src = at::ones({1, 4, 2, 2}) * 2;
    const NodeId m = mask(at::full({1, 2, 2}, 0.25f));
    const auto out = latentOf(node("LatentCompositeMasked", {{latent(dst), "destination"}, {latent(src), "source"}, {m, "mask"}},
                                   {{"x", 8}, {"y", 0}, {"resize_source", false}}));
    at::Tensor want = at::zeros({1, 4, 4, 4});
    want.narrow(2, 0, 2).narrow(3, 1, 2).fill_(0.5);  // 0.25 * 2 + 0.75 * 0
    EXPECT_TRUE(nearTensor(out->samples, want, 1e-7));
    // Images: one pixel per unit, the source cut at the destination's edge.
    const at::Tensor bg = at::zeros({1, 3, 3, 3}), fg = at::ones({1, 2, 2, 3});
    const at::Tensor img = imageOf(node("ImageCompositeMasked", {{image(bg), "destination"}, {image(fg), "source"}},
                                        {{"x", 2}, {"y", 1}, {"resize_source", false}}));
    at::Tensor wantImg = at::zeros({1, 3, 3, 3});
    wantImg.narrow(1, 1, 2).narrow(2, 2, 1).fill_(1);
    EXPECT_TRUE(sameTensor(img, wantImg));
}

TEST_F(CombineNodes, BlendsFollowComfyUIFormulas) {
    const at::Tensor a = at::full({1, 4, 2, 2}, 2.0f), b = at::full({1, 4, 2, 2}, 6.0f);
    const auto lb = latentOf(node("LatentBlend", {{latent(a), "samples1"}, {latent(b), "samples2"}}, {{"blend_factor", 0.25}}));
    EXPECT_TRUE(nearTensor(lb->samples, at::full({1, 4, 2, 2}, 2 * 0.25 + 6 * 0.75), 1e-6));
    const at::Tensor i1 = at::full({1, 2, 2, 3}, 0.2f), i2 = at::full({1, 2, 2, 3}, 0.6f);
    auto blend = [&](const char* mode) {
        return imageOf(node("ImageBlend", {{image(i1), "image1"}, {image(i2), "image2"}},
                            {{"blend_factor", 0.5}, {"blend_mode", mode}}))[0][0][0][0].item<double>();
    };
    EXPECT_NEAR(blend("normal"), 0.5 * 0.2 + 0.5 * 0.6, 1e-6);
    EXPECT_NEAR(blend("multiply"), 0.5 * 0.2 + 0.5 * 0.12, 1e-6);
    EXPECT_NEAR(blend("screen"), 0.5 * 0.2 + 0.5 * (1 - 0.8 * 0.4), 1e-6);
    EXPECT_NEAR(blend("overlay"), 0.5 * 0.2 + 0.5 * (2 * 0.2 * 0.6), 1e-6);
    const double g = ((16 * 0.2 - 12) * 0.2 + 4) * 0.2;  // 0.2 <= 0.25
    EXPECT_NEAR(blend("soft_light"), 0.5 * 0.2 + 0.5 * (0.2 + (2 * 0.6 - 1) * (g - 0.2)), 1e-6);
    EXPECT_NEAR(blend("difference"), 0.0, 1e-6);  // 0.1 + 0.5 * (-0.4) clamps to 0
    const NodeId batches = node("ImageBlend", {{image(at::zeros({2, 2, 2, 3})), "image1"}, {image(at::zeros({3, 2, 2, 3})), "image2"}});
    EXPECT_NE(failureOf(batches).find("ImageBlend"), std::string::npos);
    EXPECT_NE(failureOf(batches).find("batch of 2"), std::string::npos);
}

TEST_F(CombineNodes, ImageBatchResizesTheSecondToTheFirst) {
    const at::Tensor a = at::rand({1, 4, 6, 3}), b = at::full({2, 2, 3, 3}, 0.5f);
    const at::Tensor out = imageOf(node("ImageBatch", {{image(a), "image1"}, {image(b), "image2"}}));
    EXPECT_EQ(out.sizes(), (at::IntArrayRef{3, 4, 6, 3}));
    EXPECT_TRUE(sameTensor(out.slice(0, 0, 1), a));
    EXPECT_TRUE(nearTensor(out.slice(0, 1, 3), at::full({2, 4, 6, 3}, 0.5f), 1e-6));
}

TEST_F(CombineNodes, ConditioningListsCombineConcatAverageAndZeroOut) {
    const at::Tensor a = at::rand({1, 77, 8}), b = at::rand({1, 77, 8}), shortText = at::rand({1, 10, 8});
    const NodeId ca = conditioning({text(a)}), cb = conditioning({text(b)});
    const auto& both = entriesOf(node("ConditioningCombine", {{ca, "conditioning_1"}, {cb, "conditioning_2"}}));
    ASSERT_EQ(both.size(), 2u);
    EXPECT_TRUE(both[0].context.equal(a));
    EXPECT_TRUE(both[1].context.equal(b));
    const auto& cat = entriesOf(node("ConditioningConcat", {{ca, "conditioning_to"}, {cb, "conditioning_from"}}));
    EXPECT_TRUE(cat.at(0).context.equal(at::cat({a, b}, 1)));
    const auto& avg = entriesOf(node("ConditioningAverage", {{ca, "conditioning_to"}, {conditioning({text(shortText)}), "conditioning_from"}},
                                     {{"conditioning_to_strength", 0.75}}));
    const at::Tensor padded = at::cat({shortText, at::zeros({1, 67, 8})}, 1);
    EXPECT_TRUE(nearTensor(avg.at(0).context, a * 0.75 + padded * 0.25, 1e-6));
    const auto& zero = entriesOf(node("ConditioningZeroOut", {{ca, "conditioning"}}));
    EXPECT_TRUE(zero.at(0).context.equal(at::zeros_like(a)));
    const NodeId wide = conditioning({text(at::rand({1, 77, 16}))});
    EXPECT_NE(failureOf(node("ConditioningConcat", {{ca, "conditioning_to"}, {wide, "conditioning_from"}})).find("ConditioningConcat"),
              std::string::npos);
}

TEST_F(CombineNodes, RegionNodesSetAreaMaskStrengthAndRange) {
    const NodeId c = conditioning({text(at::rand({1, 77, 8})), text(at::rand({1, 77, 8}))});
    const auto& area = entriesOf(node("ConditioningSetArea", {{c, "conditioning"}},
                                      {{"width", 644}, {"height", 320}, {"x", 15}, {"y", 64}, {"strength", 2.5}}));
    ASSERT_EQ(area.size(), 2u);
    for (const auto& e : area) {
        ASSERT_TRUE(e.area);
        EXPECT_FALSE(e.area->percentage);
        EXPECT_EQ(e.area->height, 40);  // 320 // 8
        EXPECT_EQ(e.area->width, 80);   // 644 // 8
        EXPECT_EQ(e.area->y, 8);
        EXPECT_EQ(e.area->x, 1);
        EXPECT_EQ(e.strength, 2.5);
    }
    const auto& pct = entriesOf(node("ConditioningSetAreaPercentage", {{c, "conditioning"}},
                                     {{"width", 0.5}, {"height", 0.25}, {"x", 0.1}, {"y", 0.2}, {"strength", 1.0}}));
    EXPECT_TRUE(pct.at(0).area->percentage);
    EXPECT_EQ(pct.at(0).area->height, 0.25);
    EXPECT_EQ(pct.at(0).area->x, 0.1);
    EXPECT_EQ(entriesOf(node("ConditioningSetAreaStrength", {{c, "conditioning"}}, {{"strength", 0.3}})).at(1).strength, 0.3);
    const NodeId m = mask(at::rand({1, 16, 16}));
    const auto& masked = entriesOf(node("ConditioningSetMask", {{c, "conditioning"}, {m, "mask"}},
                                        {{"strength", 0.7}, {"set_cond_area", "mask bounds"}}));
    EXPECT_EQ(masked.at(0).mask.sizes(), (at::IntArrayRef{1, 16, 16}));
    EXPECT_EQ(masked.at(0).maskStrength, 0.7);
    EXPECT_TRUE(masked.at(0).setAreaToBounds);
    const auto& range = entriesOf(node("ConditioningSetTimestepRange", {{c, "conditioning"}}, {{"start", 0.2}, {"end", 0.6}}));
    EXPECT_EQ(range.at(1).startPercent, 0.2);
    EXPECT_EQ(range.at(1).endPercent, 0.6);
}

TEST_F(CombineNodes, BislerpInterpolatesCellVectorsSpherically) {
    // Two cells at right angles, lengths 1 and 2; 1.5x gives 3 x 2 cells (round(1.5) = 2).
    at::Tensor s = at::zeros({1, 4, 1, 2});
    s[0][0][0][0] = 1.0f;
    s[0][1][0][1] = 2.0f;
    const auto out = latentOf(node("LatentUpscaleBy", {{latent(s), "samples"}}, {{"upscale_method", "bislerp"}, {"scale_by", 1.5}}));
    ASSERT_EQ(out->samples.sizes(), (at::IntArrayRef{1, 4, 2, 3}));
    // The middle cell: half way round the quarter circle, length (1 + 2) / 2.
    const double mid = std::sin(M_PI / 4) * 1.5;
    at::Tensor row = at::zeros({4, 3});
    row[0][0] = 1.0f;
    row[0][1] = float(mid);
    row[1][1] = float(mid);
    row[1][2] = 2.0f;
    EXPECT_TRUE(nearTensor(out->samples, row.view({1, 4, 1, 3}).expand({1, 4, 2, 3}), 1e-5));
}
