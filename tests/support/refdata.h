#pragma once
// Where the shared reference data lives: $TESSERA_REFDATA, else ../shared/refdata beside the checkout.
#include <string>

namespace tessera::test {

std::string refdataDir();
std::string refdataPath(const std::string& relative);  // e.g. "models/tiny-sd15.safetensors"
std::string sourceDir();                               // the repository root
std::string exampleSourceFile(const std::string& name);  // resources/examples/src/<name>
// A fresh empty directory under the system temp dir, removed by the caller's discretion.
std::string makeTempDir(const std::string& tag);

}  // namespace tessera::test
