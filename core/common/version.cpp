#include "core/common/version.h"
namespace tessera {
const char* versionString() { return "0.1.0"; }
}  // namespace tessera
