#include "app/editor/inpaint_graph_builder.h"

#include "app/editor/node_ports.h"

#include <algorithm>

namespace tessera::editor {

namespace {

// New nodes go on a grid next to the LoadImage: the image path to the right of it (row 0), the
// mask chain below (row 1), a created checkpoint and prompts further down; then down to free space.
constexpr double kColumn = 300;
constexpr double kRow = 220;
constexpr double kMargin = 20;

const std::vector<std::string> kOrphanedKinds = {"LoadImageMask", "EmptyLatentImage"};

}  // namespace

InpaintGraphBuilder::InpaintGraphBuilder(DeltaBuilder& edit, const Registry& registry, NewNode newNode)
    : edit_(edit), registry_(registry), newNode_(std::move(newNode)) {
    for (const auto& [id, n] : edit_.graph().nodes()) occupied_.push_back(nodeRect(edit_.graph(), n, registry_));
}

NodeId InpaintGraphBuilder::ensure(NodeId existing, const std::string& type, double col, double row) {
    if (existing) return existing;
    return place(type, origin_.x + col * kColumn, origin_.y + row * kRow);
}

NodeId InpaintGraphBuilder::place(const std::string& type, double x, double y) {
    Node& n = newNode_(edit_, *registry_.find(type), x, y);
    QRectF rect = nodeRect(edit_.graph(), n, registry_);
    for (bool moved = true; moved;) {  // down past every node it would overlap
        moved = false;
        for (const QRectF& other : occupied_)
            if (rect.intersects(other.adjusted(-kMargin, -kMargin, kMargin, kMargin))) {
                rect.moveTop(other.bottom() + kMargin + 1);
                moved = true;
            }
    }
    n.pos = {rect.x(), rect.y()};
    occupied_.push_back(rect);
    return n.id;
}

void InpaintGraphBuilder::link(OutputRef from, NodeId to, const std::string& input) {
    if (!from || !to || !edit_.node(from.node) || !edit_.node(to)) return;
    if (const Link* old = edit_.linkInto(to, input)) {
        if (old->fromNode == from.node && old->fromSlot == from.slot) return;
        replacedSources_.insert(old->fromNode);
    }
    const NodeDecl* decl = registry_.find(edit_.node(from.node)->type);
    const std::string type = decl && size_t(from.slot) < decl->outputs.size() ? decl->outputs[size_t(from.slot)].type : "";
    edit_.connect(from.node, from.slot, to, input, type);
}

void InpaintGraphBuilder::setWidget(NodeId node, const std::string& name, Value value) {
    Node* n = edit_.editNode(node);
    if (!n) return;
    const NodeDecl* decl = registry_.find(n->type);
    const InputDecl* in = decl ? decl->findInput(name) : nullptr;
    if (in && value.isInt()) {  // the widget's range, as setWidgetValue would insist on
        double v = double(value.toInt());
        if (in->min) v = std::max(v, *in->min);
        if (in->max) v = std::min(v, *in->max);
        value = Value(int64_t(v));
    }
    n->widgets[name] = std::move(value);
}

void InpaintGraphBuilder::moveConsumers(OutputRef from, OutputRef to) {
    for (const Link& l : edit_.links())
        if (l.fromNode == from.node && l.fromSlot == from.slot && l.toNode != to.node) link(to, l.toNode, l.toInput);
}

void InpaintGraphBuilder::remove(NodeId node) {
    if (node) edit_.removeNode(node);
}

// A graph without a sampler: checkpoint, prompts, KSampler, decode and save, as inpaint_setup.h says.
void InpaintGraphBuilder::buildPipeline(InpaintRoles& r, const InpaintOptions& o) {
    const NodeId ckpt = ensure(0, "CheckpointLoaderSimple", 1, 2);
    const NodeId pos = ensure(0, "CLIPTextEncode", 2, 2);
    const NodeId neg = ensure(0, "CLIPTextEncode", 2, 3);
    r.sampler = ensure(0, "KSampler", 5, 0);
    r.decode = ensure(0, "VAEDecode", 6, 0);
    const NodeId save = ensure(0, "SaveImage", 7, 0);
    setWidget(r.sampler, "denoise", Value(o.denoise));
    setWidget(save, "filename_prefix", Value(std::string("inpaint")));
    link({ckpt, 1}, pos, "clip");
    link({ckpt, 1}, neg, "clip");
    link({ckpt, 0}, r.sampler, "model");
    link({r.sampler, 0}, r.decode, "samples");
    link({ckpt, 2}, r.decode, "vae");
    link({r.decode, 0}, save, "images");
    r.vae = {ckpt, 2};
    r.positive = {pos, 0};
    r.negative = {neg, 0};
    r.latentConsumers = {{r.sampler, "latent_image"}};
}

void InpaintGraphBuilder::removeOrphanedSources() {
    const std::vector<Link> links = edit_.links();
    for (NodeId id : replacedSources_) {
        const Node* n = edit_.node(id);
        if (!n || std::find(kOrphanedKinds.begin(), kOrphanedKinds.end(), n->type) == kOrphanedKinds.end()) continue;
        if (std::none_of(links.begin(), links.end(), [id](const Link& l) { return l.fromNode == id; })) remove(id);
    }
}

void InpaintGraphBuilder::build(InpaintRoles r, const std::string& maskFile, const InpaintOptions& o) {
    origin_ = edit_.node(r.load)->pos;
    if (!r.sampler) {
        buildPipeline(r, o);
    } else if (!r.decode) {
        r.decode = ensure(0, "VAEDecode", 6, 0);
        const NodeId save = ensure(0, "SaveImage", 7, 0);
        setWidget(save, "filename_prefix", Value(std::string("inpaint")));
        link({r.sampler, 0}, r.decode, "samples");
        link(r.vae, r.decode, "vae");
        link({r.decode, 0}, save, "images");
    }

    // The image, padded for outpainting.
    const OutputRef image{r.load, 0};
    OutputRef pixels = image;
    if (o.outpaints()) {
        r.pad = ensure(r.pad, "ImagePadForOutpaint", 1, 0);
        link(image, r.pad, "image");
        setWidget(r.pad, "left", Value(int64_t(o.padLeft)));
        setWidget(r.pad, "top", Value(int64_t(o.padTop)));
        setWidget(r.pad, "right", Value(int64_t(o.padRight)));
        setWidget(r.pad, "bottom", Value(int64_t(o.padBottom)));
        setWidget(r.pad, "feathering", Value(int64_t(o.outpaintFeather)));
        pixels = {r.pad, 0};
    } else if (r.pad) {
        moveConsumers({r.pad, 0}, image);
        remove(r.pad);
    }

    // The mask: painted, grown, feathered; with outpainting joined to the padding's mask.
    r.painted = ensure(r.painted, "PaintedMask", 1, 1);
    setWidget(r.painted, "mask_file", Value(maskFile));
    link(image, r.painted, "image");
    r.grow = ensure(r.grow, "GrowMask", 2, 1);
    link({r.painted, 0}, r.grow, "mask");
    setWidget(r.grow, "expand", Value(int64_t(o.grow)));
    r.feather = ensure(r.feather, "FeatherMask", 3, 1);
    link({r.grow, 0}, r.feather, "mask");
    for (const char* side : {"left", "top", "right", "bottom"}) setWidget(r.feather, side, Value(int64_t(o.feather)));
    OutputRef mask{r.feather, 0};
    if (o.outpaints()) {
        r.composite = ensure(r.composite, "MaskComposite", 4, 1);
        link({r.pad, 1}, r.composite, "destination");
        link(mask, r.composite, "source");
        setWidget(r.composite, "x", Value(int64_t(o.padLeft)));
        setWidget(r.composite, "y", Value(int64_t(o.padTop)));
        setWidget(r.composite, "operation", Value(std::string("add")));
        mask = {r.composite, 0};
    } else if (r.composite) {
        moveConsumers({r.composite, 0}, mask);
        remove(r.composite);
    }

    // Only the masked area: crop before the method, stitch after the decode.
    OutputRef methodPixels = pixels, methodMask = mask;
    if (o.onlyMasked) {
        r.crop = ensure(r.crop, "InpaintCrop", 2, 0);
        link(pixels, r.crop, "image");
        link(mask, r.crop, "mask");
        setWidget(r.crop, "padding", Value(int64_t(o.padding)));
        setWidget(r.crop, "target_size", Value(int64_t(std::max(64, o.targetSize / 8 * 8))));
        methodPixels = {r.crop, 0};
        methodMask = {r.crop, 1};
    } else {
        remove(r.crop);
    }

    OutputRef latent;
    const bool noiseMask = o.method == "noise_mask", forInpaint = o.method == "vae_encode_for_inpaint";
    const bool model = o.method == "inpaint_model";
    if (noiseMask) {
        r.encode = ensure(r.encode, "VAEEncode", 3, 0);
        link(methodPixels, r.encode, "pixels");
        link(r.vae, r.encode, "vae");
        r.noiseMask = ensure(r.noiseMask, "SetLatentNoiseMask", 4, 0);
        link({r.encode, 0}, r.noiseMask, "samples");
        link(methodMask, r.noiseMask, "mask");
        latent = {r.noiseMask, 0};
    } else {
        remove(r.noiseMask);
        remove(r.encode);
    }
    if (forInpaint) {
        r.encodeForInpaint = ensure(r.encodeForInpaint, "VAEEncodeForInpaint", 3, 0);
        link(methodPixels, r.encodeForInpaint, "pixels");
        link(r.vae, r.encodeForInpaint, "vae");
        link(methodMask, r.encodeForInpaint, "mask");
        latent = {r.encodeForInpaint, 0};
    } else {
        remove(r.encodeForInpaint);
    }
    if (model) {
        r.inpaintConditioning = ensure(r.inpaintConditioning, "InpaintModelConditioning", 3, 0);
        link(r.positive, r.inpaintConditioning, "positive");
        link(r.negative, r.inpaintConditioning, "negative");
        link(r.vae, r.inpaintConditioning, "vae");
        link(methodPixels, r.inpaintConditioning, "pixels");
        link(methodMask, r.inpaintConditioning, "mask");
        link({r.inpaintConditioning, 0}, r.sampler, "positive");
        link({r.inpaintConditioning, 1}, r.sampler, "negative");
        latent = {r.inpaintConditioning, 2};
    } else {
        remove(r.inpaintConditioning);
        link(r.positive, r.sampler, "positive");
        link(r.negative, r.sampler, "negative");
    }
    for (const auto& [node, input] : r.latentConsumers) link(latent, node, input);

    if (o.onlyMasked) {
        if (!r.stitch) {
            const Point at = edit_.node(r.decode)->pos;
            r.stitch = place("InpaintStitch", at.x, at.y + kRow);
        }
        moveConsumers({r.decode, 0}, {r.stitch, 0});
        link(pixels, r.stitch, "source");
        link({r.decode, 0}, r.stitch, "inpainted");
        link({r.crop, 2}, r.stitch, "crop_info");
        link(mask, r.stitch, "mask");
    } else if (r.stitch) {
        moveConsumers({r.stitch, 0}, {r.decode, 0});
        remove(r.stitch);
    }
    removeOrphanedSources();
}

}  // namespace tessera::editor
