#include "nodes/image_node_support.h"

#include "core/common/error.h"
#include "core/engine/compute/shape_text.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tessera::nodes {
namespace {

}  // namespace

at::Tensor imageInput(const NodeContext& ctx, const std::string& input) {
    return imageWithAlphaInput(ctx, input).narrow(3, 0, 3);
}

at::Tensor imageWithAlphaInput(const NodeContext& ctx, const std::string& input) {
    const at::Tensor& p = ctx.get<ImageValue>(input)->pixels;
    if (!p.defined() || p.dim() != 4 || p.size(3) < 3)
        ctx.fail("input '" + input + "' must be an RGB image batch [B,H,W,3], got " +
                 (p.defined() ? engine::shapeText(p.sizes()) : std::string("nothing")));
    if (p.size(0) == 0 || p.size(1) == 0 || p.size(2) == 0)
        ctx.fail("input '" + input + "' is an empty image batch " + engine::shapeText(p.sizes()) +
                 "; connect a node that produces at least one image");
    return p.narrow(3, 0, std::min<int64_t>(p.size(3), 4)).to(at::kFloat);
}

at::Tensor maskInput(const NodeContext& ctx, const std::string& input) {
    at::Tensor m = ctx.get<MaskValue>(input)->mask;
    if (m.defined() && m.dim() == 2) m = m.unsqueeze(0);
    if (!m.defined() || m.dim() != 3)
        ctx.fail("input '" + input + "' must be a mask [B,H,W] or [H,W], got " +
                 (m.defined() ? engine::shapeText(m.sizes()) : std::string("nothing")));
    if (m.size(0) == 0 || m.size(1) == 0 || m.size(2) == 0)
        ctx.fail("input '" + input + "' is an empty mask " + engine::shapeText(m.sizes()) + "; connect a node that produces a mask");
    return m.to(at::kFloat);
}

DecodedImage loadInputImage(const NodeContext& ctx, const std::string& input) {
    const std::string& name = ctx.getString(input);
    const std::string path = ctx.env().findModel("input", name);
    if (path.empty())
        ctx.fail("image '" + name + "' not found in the input folder '" + ctx.env().inputDir +
                 "'; put the file there or choose another one");
    try {
        return readImageFile(path);
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
}

Value imageValue(at::Tensor pixels) { return Value(std::make_shared<const ImageValue>(pixels.contiguous())); }
Value maskValue(at::Tensor mask) { return Value(std::make_shared<const MaskValue>(mask.contiguous())); }

int64_t roundHalfEven(double x) { return int64_t(std::nearbyint(x)); }

}  // namespace tessera::nodes
