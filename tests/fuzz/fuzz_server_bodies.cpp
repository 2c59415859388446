// `tessera serve` request bodies: the first line is the Content-Type header, the rest the body.
// Multipart uploads are split into parts; JSON bodies go through POST /prompt's checks.
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/graph_fuzz_support.h"

#include "app/server/http_json.h"
#include "app/server/multipart.h"
#include "app/server/prompt_check.h"
#include "core/common/error.h"
#include "core/exec/environment.h"

#include <cstdlib>

using namespace tessera;

TESSERA_FUZZ_TARGET(server_bodies) {
    const QByteArray bytes = fuzz::bytesOf(data, size);
    const qsizetype eol = bytes.indexOf('\n');
    const QByteArray contentType = eol < 0 ? bytes : bytes.left(eol);
    const QByteArray body = eol < 0 ? QByteArray() : bytes.mid(eol + 1);

    const QByteArray boundary = server::multipartBoundary(contentType);
    if (!boundary.isEmpty()) {
        if (const auto parts = server::parseMultipart(body, boundary)) {
            if (parts->size() > 32) std::abort();
            for (const auto& part : *parts)
                if (part.data.size() > body.size()) std::abort();
        }
    }
    try {
        const Json request = server::parseJsonBody(body);
        if (const Json* prompt = request.find("prompt")) {
            const Environment env;
            (void)server::checkPrompt(*prompt, fuzz::graphFuzzRegistry(), env, request.find("partial_execution_targets"));
        }
    } catch (const Error&) {
    }
    return 0;
}
