#include "app/editor/inpaint_roles.h"

#include <set>

namespace tessera::editor {

namespace {

// The first node of `type` whose `input` is fed by `from`.
NodeId fedBy(const Graph& g, OutputRef from, const std::string& type, const std::string& input) {
    if (!from) return 0;
    for (const Link* l : g.linksFrom(from.node))
        if (l->fromSlot == from.slot && l->toInput == input && g.node(l->toNode)->type == type) return l->toNode;
    return 0;
}

OutputRef sourceOf(const Graph& g, NodeId to, const std::string& input) {
    if (const Link* l = to ? g.linkInto(to, input) : nullptr) return {l->fromNode, l->fromSlot};
    return {};
}

template <class Pred>
NodeId firstDownstream(const Graph& g, NodeId from, Pred matches) {
    std::vector<NodeId> todo{from};
    std::set<NodeId> seen{from};
    for (size_t i = 0; i < todo.size(); ++i)  // breadth first: the nearest match
        for (const Link* l : g.linksFrom(todo[i])) {
            if (!seen.insert(l->toNode).second) continue;
            if (matches(g.node(l->toNode)->type)) return l->toNode;
            todo.push_back(l->toNode);
        }
    return 0;
}

NodeId firstOfType(const Graph& g, const std::string& type) {
    for (const auto& [id, n] : g.nodes())
        if (n.type == type) return id;
    return 0;
}

int64_t widget(const Graph& g, NodeId id, const std::string& name, int64_t fallback) {
    const Node* n = g.node(id);
    if (!n) return fallback;
    auto it = n->widgets.find(name);
    return it != n->widgets.end() && it->second.isNumber() ? it->second.toInt() : fallback;
}

}  // namespace

bool isSamplerType(const std::string& type) { return type == "KSampler" || type == "KSamplerAdvanced"; }

InpaintRoles findInpaintRoles(const Graph& g, NodeId load) {
    InpaintRoles r;
    r.load = load;
    const OutputRef image{load, 0};
    r.painted = fedBy(g, image, "PaintedMask", "image");
    r.grow = fedBy(g, {r.painted, 0}, "GrowMask", "mask");
    r.feather = fedBy(g, {r.grow ? r.grow : r.painted, 0}, "FeatherMask", "mask");
    r.pad = fedBy(g, image, "ImagePadForOutpaint", "image");
    r.composite = fedBy(g, {r.pad, 1}, "MaskComposite", "destination");
    const OutputRef padded = r.pad ? OutputRef{r.pad, 0} : image;
    r.crop = fedBy(g, padded, "InpaintCrop", "image");
    if (!r.crop) r.crop = fedBy(g, image, "InpaintCrop", "image");
    for (OutputRef pixels : {OutputRef{r.crop, 0}, padded, image}) {
        if (!r.encode) r.encode = fedBy(g, pixels, "VAEEncode", "pixels");
        if (!r.encodeForInpaint) r.encodeForInpaint = fedBy(g, pixels, "VAEEncodeForInpaint", "pixels");
        if (!r.inpaintConditioning) r.inpaintConditioning = fedBy(g, pixels, "InpaintModelConditioning", "pixels");
    }
    r.noiseMask = fedBy(g, {r.encode, 0}, "SetLatentNoiseMask", "samples");

    OutputRef latent;
    if (r.noiseMask) latent = {r.noiseMask, 0};
    else if (r.encodeForInpaint) latent = {r.encodeForInpaint, 0};
    else if (r.inpaintConditioning) latent = {r.inpaintConditioning, 2};
    else if (r.encode) latent = {r.encode, 0};
    if (latent) {
        for (const Link* l : g.linksFrom(latent.node))
            if (l->fromSlot == latent.slot) r.latentConsumers.emplace_back(l->toNode, l->toInput);
        r.sampler = firstDownstream(g, latent.node, isSamplerType);
    }
    if (!r.sampler) r.sampler = firstOfType(g, "KSampler");
    if (!r.sampler) r.sampler = firstOfType(g, "KSamplerAdvanced");
    if (r.latentConsumers.empty() && r.sampler) r.latentConsumers.emplace_back(r.sampler, "latent_image");
    if (r.sampler)
        r.decode = firstDownstream(g, r.sampler, [](const std::string& t) { return t == "VAEDecode" || t == "VAEDecodeTiled"; });
    r.stitch = fedBy(g, {r.crop, 2}, "InpaintStitch", "crop_info");
    if (!r.stitch) r.stitch = fedBy(g, {r.decode, 0}, "InpaintStitch", "inpainted");

    for (NodeId id : {r.encode, r.encodeForInpaint, r.inpaintConditioning, r.decode})
        if (!r.vae) r.vae = sourceOf(g, id, "vae");
    if (!r.vae)
        if (const OutputRef model = sourceOf(g, r.sampler, "model"); model && g.node(model.node)->type == "CheckpointLoaderSimple")
            r.vae = {model.node, 2};
    if (!r.vae)
        if (const NodeId ckpt = firstOfType(g, "CheckpointLoaderSimple")) r.vae = {ckpt, 2};
    for (auto [side, out] : {std::pair{"positive", &r.positive}, std::pair{"negative", &r.negative}}) {
        *out = sourceOf(g, r.sampler, side);
        if (*out && out->node == r.inpaintConditioning) *out = sourceOf(g, r.inpaintConditioning, side);
    }
    return r;
}

InpaintOptions readInpaintOptions(const Graph& g, const InpaintRoles& r) {
    InpaintOptions o;
    if (r.inpaintConditioning) o.method = "inpaint_model";
    else if (r.encodeForInpaint) o.method = "vae_encode_for_inpaint";
    o.grow = int(widget(g, r.grow, "expand", o.grow));
    o.feather = int(widget(g, r.feather, "left", o.feather));
    o.onlyMasked = r.crop != 0;
    o.padding = int(widget(g, r.crop, "padding", o.padding));
    o.targetSize = int(widget(g, r.crop, "target_size", o.targetSize));
    o.padLeft = int(widget(g, r.pad, "left", o.padLeft));
    o.padTop = int(widget(g, r.pad, "top", o.padTop));
    o.padRight = int(widget(g, r.pad, "right", o.padRight));
    o.padBottom = int(widget(g, r.pad, "bottom", o.padBottom));
    o.outpaintFeather = int(widget(g, r.pad, "feathering", o.outpaintFeather));
    if (const Node* k = g.node(r.sampler))
        if (auto it = k->widgets.find("denoise"); it != k->widgets.end() && it->second.isNumber()) o.denoise = it->second.toFloat();
    return o;
}

}  // namespace tessera::editor
