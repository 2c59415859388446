#include "core/engine/networks/unet_layout.h"

#include <ATen/ATen.h>

namespace tessera::engine {

namespace {

using Shape = std::vector<int64_t>;

struct LayoutBuilder {
    const UNetConfig& config;
    ParameterShapes shapes;

    void add(const std::string& name, Shape shape) { shapes[name] = std::move(shape); }
    void linear(const std::string& m, int64_t out, int64_t in, bool bias = true) {
        add(m + ".weight", {out, in});
        if (bias) add(m + ".bias", {out});
    }
    void conv(const std::string& m, int64_t out, int64_t in, int64_t k) {
        add(m + ".weight", {out, in, k, k});
        add(m + ".bias", {out});
    }
    void norm(const std::string& m, int64_t ch) {
        add(m + ".weight", {ch});
        add(m + ".bias", {ch});
    }
    void resBlock(const std::string& m, int64_t in, int64_t out) {
        norm(m + ".in_layers.0", in);
        conv(m + ".in_layers.2", out, in, 3);
        linear(m + ".emb_layers.1", out, config.timeEmbedDim());
        norm(m + ".out_layers.0", out);
        conv(m + ".out_layers.3", out, out, 3);
        if (in != out) conv(m + ".skip_connection", out, in, 1);
    }
    void transformer(const std::string& m, int64_t ch) {
        norm(m + ".norm", ch);
        for (const char* p : {".proj_in", ".proj_out"}) {
            if (config.linearProjection)
                linear(m + p, ch, ch);
            else
                conv(m + p, ch, ch, 1);
        }
        for (int d = 0; d < config.transformerDepth; ++d) {
            const std::string b = m + ".transformer_blocks." + std::to_string(d);
            for (const char* a : {".attn1", ".attn2"}) {
                const int64_t kv = std::string(a) == ".attn1" ? ch : config.contextDim;
                linear(b + a + ".to_q", ch, ch, false);
                linear(b + a + ".to_k", ch, kv, false);
                linear(b + a + ".to_v", ch, kv, false);
                linear(b + a + ".to_out.0", ch, ch);
            }
            linear(b + ".ff.net.0.proj", ch * 8, ch);
            linear(b + ".ff.net.2", ch, ch * 4);
            for (const char* n : {".norm1", ".norm2", ".norm3"}) norm(b + n, ch);
        }
    }
};

}  // namespace

ParameterShapes unetParameterShapes(const UNetConfig& c) {
    LayoutBuilder l{c, {}};
    const int64_t mc = c.modelChannels;
    l.linear("time_embed.0", c.timeEmbedDim(), mc);
    l.linear("time_embed.2", c.timeEmbedDim(), c.timeEmbedDim());
    l.conv("input_blocks.0.0", mc, c.inChannels, 3);

    std::vector<int64_t> skipChannels{mc};
    int64_t ch = mc;
    int block = 1;
    for (int level = 0; level < c.levels(); ++level) {
        for (int r = 0; r < c.numResBlocks; ++r, ++block) {
            const std::string m = "input_blocks." + std::to_string(block);
            const int64_t out = mc * c.channelMult[level];
            l.resBlock(m + ".0", ch, out);
            ch = out;
            if (c.hasAttention(level)) l.transformer(m + ".1", ch);
            skipChannels.push_back(ch);
        }
        if (level + 1 < c.levels()) {
            l.conv("input_blocks." + std::to_string(block++) + ".0.op", ch, ch, 3);
            skipChannels.push_back(ch);
        }
    }
    l.resBlock("middle_block.0", ch, ch);
    l.transformer("middle_block.1", ch);
    l.resBlock("middle_block.2", ch, ch);

    if (c.outChannels > 0) {
        block = 0;
        for (int level = c.levels() - 1; level >= 0; --level) {
            for (int r = 0; r <= c.numResBlocks; ++r, ++block) {
                const std::string m = "output_blocks." + std::to_string(block);
                const int64_t skip = skipChannels.back();
                skipChannels.pop_back();
                const int64_t out = mc * c.channelMult[level];
                l.resBlock(m + ".0", ch + skip, out);
                ch = out;
                int next = 1;
                if (c.hasAttention(level)) l.transformer(m + "." + std::to_string(next++), ch);
                if (level > 0 && r == c.numResBlocks) l.conv(m + "." + std::to_string(next) + ".conv", ch, ch, 3);
            }
        }
        l.norm("out.0", ch);
        l.conv("out.2", c.outChannels, mc, 3);
    }
    return std::move(l.shapes);
}

}  // namespace tessera::engine
