#pragma once
// Runs the real `tessera` binary for end-to-end tests, with a models folder made of links to
// the refdata models.
#include <string>

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

}  // namespace tessera::test
