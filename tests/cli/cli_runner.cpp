#include "tests/cli/cli_runner.h"

#include "tests/support/refdata.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace tessera::test {

std::string quoted(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string pinnedCompute() { return "--device cpu --precision fp32 --threads 2"; }

CliResult runTessera(const std::string& arguments) {
    const std::string errFile = makeTempDir("cli-err") + "/stderr.txt";
    const std::string cmd = quoted(TESSERA_CLI_BINARY) + " " + arguments + " 2>" + quoted(errFile);
    CliResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(errFile);
    std::stringstream ss;
    ss << e.rdbuf();
    r.err = ss.str();
    return r;
}

std::string linkedModelsDir(const std::string& tag, const std::vector<std::pair<std::string, std::string>>& links) {
    namespace fs = std::filesystem;
    const fs::path root = makeTempDir(tag);
    for (const auto& [link, target] : links) {
        fs::create_directories((root / link).parent_path());
        fs::create_symlink(fs::absolute(refdataPath(target)), root / link);
    }
    return root.string();
}

const std::string& refdataModelsDir() {
    static const std::string dir = linkedModelsDir(
        "models", {{"checkpoints/tiny-sd15.safetensors", "models/tiny-sd15.safetensors"},
                   {"checkpoints/tiny-sd2-v.safetensors", "models/tiny-sd2-v.safetensors"},
                   {"checkpoints/tiny-sd15-inpainting.safetensors", "models/tiny-sd15-inpainting.safetensors"},
                   {"vae/tiny-vae.safetensors", "models/tiny-vae.safetensors"},
                   {"controlnet/tiny-controlnet-sd15.safetensors", "models/tiny-controlnet-sd15.safetensors"},
                   {"tokenizers/bpe_simple_vocab_16e6.txt.gz", "bpe_simple_vocab_16e6.txt.gz"}});
    return dir;
}

}  // namespace tessera::test
