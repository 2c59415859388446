#include "tests/support/refdata.h"

#include <cstdlib>
#include <filesystem>
#include <random>

namespace tessera::test {

std::string refdataDir() {
    if (const char* env = std::getenv("TESSERA_REFDATA"); env && *env) return env;
    return TESSERA_REFDATA_DEFAULT;
}

std::string refdataPath(const std::string& relative) { return refdataDir() + "/" + relative; }

std::string sourceDir() { return TESSERA_SOURCE_DIR; }
std::string exampleSourceFile(const std::string& name) { return sourceDir() + "/resources/examples/src/" + name; }

std::string makeTempDir(const std::string& tag) {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("tessera-test-" + tag + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    return dir.string();
}

}  // namespace tessera::test
