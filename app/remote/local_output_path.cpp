#include "app/remote/local_output_path.h"

#include "core/common/error.h"

#include <cstdio>
#include <filesystem>
#include <regex>

namespace tessera::remote {
namespace fs = std::filesystem;
namespace {

bool confined(const fs::path& relative) {
    if (relative.is_absolute()) return false;
    for (const auto& part : relative)
        if (part == "..") return false;
    return true;
}

}  // namespace

std::string localOutputPath(const std::string& outputDir, const std::string& subfolder, const std::string& filename) {
    const fs::path name = fs::path(filename).filename();
    if (name.empty() || name != fs::path(filename) || !confined(subfolder))
        throw Error("the backend named an output '" + subfolder + "/" + filename + "' outside its output folder");
    const fs::path dir = fs::path(outputDir) / subfolder;
    fs::create_directories(dir);
    fs::path candidate = dir / name;
    if (!fs::exists(candidate)) return candidate.string();

    const std::string stem = name.stem().string(), ext = name.extension().string();
    std::smatch m;
    const bool isCounted = std::regex_match(stem, m, std::regex(R"((.*)_(\d{5,})_)"));
    for (long n = isCounted ? std::stol(m[2].str()) + 1 : 2; n < 10000000; ++n) {
        char suffix[32];
        if (isCounted) std::snprintf(suffix, sizeof suffix, "_%05ld_", n);
        else std::snprintf(suffix, sizeof suffix, " (%ld)", n);
        candidate = dir / ((isCounted ? m[1].str() : stem) + suffix + ext);
        if (!fs::exists(candidate)) return candidate.string();
    }
    throw Error("no free file name for '" + filename + "' in " + dir.string());
}

}  // namespace tessera::remote
