#pragma once
#include <string>

namespace tessera::test {

// A full T2I-Adapter whose levels fit tiny-sd15's UNet (model channels 32, channel_mult 1,2,2, one
// res block per level), in the TencentARC key layout, written as a safetensors file in `dir`.
std::string writeTinySd15Adapter(const std::string& dir);

}  // namespace tessera::test
