// fuzz_replay TARGET PATH...: runs every file under each PATH (files or folders, recursively)
// through the named fuzz target, one at a time, printing each name before it runs so that a
// crash names its input. Exit status 0 when all ran; a finding aborts (sanitizers, or the target).
#include "tests/fuzz/fuzz_target.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace tessera::fuzz {

namespace {
std::map<std::string, TargetFunction>& targets() {
    static std::map<std::string, TargetFunction> all;
    return all;
}
}  // namespace

bool registerTarget(const char* name, TargetFunction function) {
    targets()[name] = function;
    return true;
}

}  // namespace tessera::fuzz

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    const auto& targets = tessera::fuzz::targets();
    const auto target = argc >= 2 ? targets.find(argv[1]) : targets.end();
    if (argc < 3 || target == targets.end()) {
        std::fprintf(stderr, "usage: fuzz_replay TARGET PATH...\ntargets:");
        for (const auto& [name, f] : targets) std::fprintf(stderr, " %s", name.c_str());
        std::fprintf(stderr, "\n");
        return 2;
    }
    std::vector<fs::path> files;
    for (int i = 2; i < argc; ++i) {
        if (fs::is_directory(argv[i])) {
            for (const auto& e : fs::recursive_directory_iterator(argv[i]))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::is_regular_file(argv[i])) {
            files.push_back(argv[i]);
        } else {
            std::fprintf(stderr, "fuzz_replay: no such file or folder: %s\n", argv[i]);
            return 2;
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "fuzz_replay: the corpus is empty\n");
        return 2;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        std::fprintf(stderr, "%s (%zu bytes)\n", file.c_str(), bytes.size());
        target->second(bytes.data(), bytes.size());
    }
    std::printf("%s: %zu inputs, no finding\n", argv[1], files.size());
    return 0;
}
