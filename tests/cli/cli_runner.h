#pragma once
// Runs the real `tessera` binary for end-to-end tests, with a models folder made of links to
// the refdata models.
#include <string>
#include <utility>
#include <vector>

namespace tessera::test {

struct CliResult {
    int exitCode = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

CliResult runTessera(const std::string& arguments);
// A models folder (checkpoints/, controlnet/, tokenizers/) linking to ../shared/refdata; made once.
const std::string& refdataModelsDir();
std::string quoted(const std::string& s);
// The compute a golden comparison checks, pinned: CPU, float32, two threads ("auto" precision is
// bfloat16 on CPUs with native bf16, and the thread count follows the machine).
std::string pinnedCompute();
// A fresh models folder whose files (relative names like "checkpoints/x.safetensors") link to
// refdata files (relative to the refdata folder).
std::string linkedModelsDir(const std::string& tag, const std::vector<std::pair<std::string, std::string>>& links);

}  // namespace tessera::test
