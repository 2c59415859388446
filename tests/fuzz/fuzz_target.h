#pragma once
// One fuzz target = one function over untrusted bytes that must end in success or tessera::Error,
// never a crash, hang or over-read (the sanitizers catch the latter).
//  - With clang and -DTESSERA_BUILD_FUZZ=ON each target file becomes its own libFuzzer program
//    (TESSERA_LIBFUZZER is defined there).
//  - In the normal test build every target links into `fuzz_replay`, which ctest runs over the
//    target's seed corpus in tests/fuzz/corpus/<name>/ on every CI run, plain and under ASan+UBSan.
#include <cstddef>
#include <cstdint>

#ifdef TESSERA_LIBFUZZER
#define TESSERA_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#else
namespace tessera::fuzz {
using TargetFunction = int (*)(const uint8_t* data, size_t size);
bool registerTarget(const char* name, TargetFunction function);
}  // namespace tessera::fuzz
#define TESSERA_FUZZ_TARGET(name)                                                                      \
    static int fuzz_target_##name(const uint8_t* data, size_t size);                                    \
    [[maybe_unused]] static const bool fuzz_registered_##name =                                         \
        tessera::fuzz::registerTarget(#name, fuzz_target_##name);                                       \
    static int fuzz_target_##name(const uint8_t* data, size_t size)
#endif
