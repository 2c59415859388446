#pragma once
// Command-line options shared by `tessera run` and `tessera validate`.
#include <string>
#include <vector>

namespace tessera::cli {

struct CliOptions {
    std::string command;  // run, validate, nodes, pack, convert, export, serve, help, version
    std::string file;
    std::vector<std::string> overrides;  // NODE.INPUT=VALUE
    std::vector<std::string> sweeps;     // NODE.INPUT=VALUES, one or two (core/sweep)
    bool noSweep = false;                // run once even when the file saved a sweep
    std::vector<std::string> modelDirs;
    std::string inputDir, outputDir = "output", previewsDir;
    std::string packOutput;  // pack: the .tessera file to write; convert: the .safetensors file; export: the .json
    std::string exportAs = "workflow";  // export: ComfyUI's UI "workflow" or API "prompt"
    std::string device = "auto";
    std::string precision = "auto";
    std::string previewMethod = "auto";  // sampler previews: auto, latent2rgb, taesd, none
    int threads = 0;
    bool quiet = false;
    std::string server;  // run: a ComfyUI / Tessera backend URL (--token goes with it)
    // serve
    std::string listen = "127.0.0.1";
    int port = 8188;
    std::string token;
    int maxQueue = 1000;
};

// Throws tessera::Error with a usage hint for unknown options or missing values.
CliOptions parseCommandLine(const std::vector<std::string>& args);
std::string usage();

}  // namespace tessera::cli
