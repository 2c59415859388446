// Images users load or upload (PNG, JPEG, WebP, BMP, TIFF; any size in the header), decoded the
// way LoadImage and the server's /upload/image do.
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "nodes/image_convert.h"

#include <vector>

TESSERA_FUZZ_TARGET(image_decode) {
    try {
        (void)tessera::nodes::decodeImage(std::vector<uint8_t>(data, data + size), "fuzz");
    } catch (const tessera::Error&) {
    }
    return 0;
}
