#include "core/common/error.h"
#include "core/exec/file_hash_cache.h"
#include "core/exec/hasher.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tessera;

TEST(Hasher, PiecesHashLikeTheWhole) {
    std::string data;
    for (int i = 0; i < 1000; ++i) data += char('a' + i * 7 % 26);
    const uint64_t whole = Hasher().bytes(data.data(), data.size()).digest();
    for (size_t cut : {1u, 3u, 8u, 13u, 999u}) {
        Hasher h;
        h.bytes(data.data(), cut).bytes(data.data() + cut, data.size() - cut);
        EXPECT_EQ(h.digest(), whole) << cut;
    }
    EXPECT_NE(Hasher().bytes(data.data(), 999).digest(), whole);
    EXPECT_NE(Hasher().str("ab").str("c").digest(), Hasher().str("a").str("bc").digest());
    EXPECT_NE(Hasher().value(1).digest(), Hasher().value(1.0).digest());
    EXPECT_NE(Hasher().value(1).digest(), Hasher().value(true).digest());
    EXPECT_EQ(toHex(0x0123456789abcdefull), "0123456789abcdef");
}

TEST(Hasher, FileHashFollowsContentAndIsRemembered) {
    const auto dir = std::filesystem::path(test::makeTempDir("hasher"));
    const auto file = (dir / "f.bin").string();
    std::ofstream(file) << "hello";
    FileHashCache cache;
    const uint64_t h1 = cache.hash(file);
    EXPECT_EQ(h1, hashFileContent(file));
    EXPECT_EQ(h1, Hasher().bytes("hello", 5).digest());
    std::ofstream(file) << "world";
    // Same size and (possibly) same time: remembered until the time moves.
    std::filesystem::last_write_time(file, std::filesystem::last_write_time(file) + std::chrono::seconds(3));
    EXPECT_EQ(cache.hash(file), Hasher().bytes("world", 5).digest());
    try {
        cache.hash((dir / "missing.bin").string());
        FAIL() << "no error for a missing file";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing.bin"), std::string::npos) << e.what();
    }
}
