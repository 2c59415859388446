#include "core/engine/text/clip_text_layout.h"

namespace tessera::engine {

std::map<std::string, std::vector<int64_t>> clipTextParameterShapes(const ClipTextConfig& c) {
    const int64_t w = c.width, hidden = 4 * int64_t(c.width);
    std::map<std::string, std::vector<int64_t>> s;
    s["embeddings.token_embedding.weight"] = {c.vocab, w};
    s["embeddings.position_embedding.weight"] = {c.positions, w};
    for (int i = 0; i < c.layers; ++i) {
        const std::string l = "encoder.layers." + std::to_string(i) + ".";
        for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            s[l + "self_attn." + proj + ".weight"] = {w, w};
            s[l + "self_attn." + proj + ".bias"] = {w};
        }
        for (const char* norm : {"layer_norm1", "layer_norm2"}) {
            s[l + norm + ".weight"] = {w};
            s[l + norm + ".bias"] = {w};
        }
        s[l + "mlp.fc1.weight"] = {hidden, w};
        s[l + "mlp.fc1.bias"] = {hidden};
        s[l + "mlp.fc2.weight"] = {w, hidden};
        s[l + "mlp.fc2.bias"] = {w};
    }
    s["final_layer_norm.weight"] = {w};
    s["final_layer_norm.bias"] = {w};
    return s;
}

ClipTextConfig clipLConfig() {
    ClipTextConfig c;
    c.width = 768;
    c.layers = 12;
    c.heads = 12;
    c.vocab = 49408;
    c.positions = 77;
    return c;
}

}  // namespace tessera::engine
