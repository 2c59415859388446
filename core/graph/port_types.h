#pragma once
// Port and widget type names. They are strings, as in ComfyUI, so plugins can add their own.
#include <string>
#include <string_view>

namespace tessera::types {

inline constexpr std::string_view Image = "IMAGE";
inline constexpr std::string_view Mask = "MASK";
inline constexpr std::string_view Latent = "LATENT";
inline constexpr std::string_view Conditioning = "CONDITIONING";
inline constexpr std::string_view Model = "MODEL";
inline constexpr std::string_view Clip = "CLIP";
inline constexpr std::string_view Vae = "VAE";
inline constexpr std::string_view ControlNet = "CONTROL_NET";
// Custom sampling (SamplerCustomAdvanced and its inputs).
inline constexpr std::string_view Sampler = "SAMPLER";
inline constexpr std::string_view Sigmas = "SIGMAS";
inline constexpr std::string_view Noise = "NOISE";
inline constexpr std::string_view Guider = "GUIDER";

// Widget value types: an input of one of these is edited in place unless a link feeds it.
inline constexpr std::string_view Int = "INT";
inline constexpr std::string_view Float = "FLOAT";
inline constexpr std::string_view String = "STRING";
inline constexpr std::string_view Boolean = "BOOLEAN";
inline constexpr std::string_view Combo = "COMBO";

bool isWidgetType(std::string_view type);
// Whether an output of type `from` may feed an input of type `to` ("*" accepts anything).
bool compatible(std::string_view from, std::string_view to);

}  // namespace tessera::types
