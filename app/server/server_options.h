#pragma once
// How `tessera serve` listens and where it finds models, input images and writes outputs.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::server {

struct ServerOptions {
    std::string listen = "127.0.0.1";
    int port = 8188;  // 0: any free port (the chosen one is printed)
    std::vector<std::string> modelDirs;
    std::string inputDir = "input";
    std::string outputDir = "output";
    std::string token;          // when set, every route and the websocket need "Authorization: Bearer <token>"
    int maxQueue = 1000;        // pending prompts beyond this are refused with 429
    int64_t maxJsonBytes = 8ll << 20;     // JSON request bodies
    int64_t maxUploadBytes = 64ll << 20;  // multipart uploads
    int maxImagePixels = 8192 * 8192;     // uploaded images larger than this are refused
    std::string device = "auto";
    std::string precision = "auto";
    std::string previewMethod = "auto";
    int threads = 0;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool isLoopback(const std::string& address);

}  // namespace tessera::server
