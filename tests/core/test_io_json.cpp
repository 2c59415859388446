#include "core/io/json.h"

#include "io_test_support.h"

#include <cmath>

using namespace tessera;
using tessera::test::expectError;

TEST(IoJson, KeepsIntegersAndFloatsApartAndExact) {
    const Json j = parseJson(R"([7, 7.0, -0.0, 0.1, 9007199254740993, 18446744073709551615, 1e3, -12])");
    const auto& a = j.array();
    ASSERT_EQ(a.size(), 8u);
    EXPECT_TRUE(a[0].isInt());
    EXPECT_EQ(a[0].toInt(), 7);
    EXPECT_TRUE(a[1].isDouble());
    EXPECT_TRUE(a[2].isDouble());
    EXPECT_TRUE(std::signbit(a[2].toDouble()));
    EXPECT_EQ(a[3].toDouble(), 0.1);
    EXPECT_TRUE(a[4].isInt());
    EXPECT_EQ(a[4].toInt(), 9007199254740993LL);  // Qt's parser would give ...992
    EXPECT_TRUE(a[5].isDouble());                  // beyond int64
    EXPECT_TRUE(a[6].isDouble());
    EXPECT_EQ(a[7].toInt(), -12);
    EXPECT_EQ(writeJson(j), "[7,7.0,-0.0,0.1,9007199254740993,18446744073709551616.0,1000.0,-12]");
}

TEST(IoJson, FloatsRoundTripExactly) {
    for (double d : {0.1, 1.0 / 3.0, 7.5, 1e-300, 123456789.123456789, -2.5e17, 8.0}) {
        const Json back = parseJson(writeJson(Json(d)));
        EXPECT_TRUE(back.isDouble()) << d;
        EXPECT_EQ(back.toDouble(), d);
    }
}

TEST(IoJson, StringsEscapesAndOrder) {
    const Json j = parseJson(R"({"b": "caf\u00e9 \ud83e\udd8a\n\"q\"", "a": [true, false, null], "c": {}})");
    ASSERT_EQ(j.object().size(), 3u);
    EXPECT_EQ(j.object()[0].first, "b");  // file order kept
    EXPECT_EQ(j.find("b")->toString(), "caf\xC3\xA9 \xF0\x9F\xA6\x8A\n\"q\"");
    EXPECT_EQ(parseJson(writeJson(j)), j);
    EXPECT_EQ(parseJson(writeJson(j, 2)), j);
    EXPECT_EQ(writeJson(Json(std::string("\x01"))), "\"\\u0001\"");
}

TEST(IoJson, SyntaxErrorsSayWhereAndWhat) {
    expectError([] { parseJson("{\n  \"a\": 1,\n  \"b\": ]\n}", "graph.json"); },
                {"graph.json is not valid JSON", "unexpected character ']'", "line 3, column 8"});
    expectError([] { parseJson(""); }, {"empty"});
    expectError([] { parseJson("[1, 2"); }, {"the text ends too early"});
    expectError([] { parseJson("{\"a\": 1} x"); }, {"after the end"});
    expectError([] { parseJson("\"abc"); }, {"unterminated string"});
    expectError([] { parseJson("[01]"); }, {"expected ',' or ']'"});
    expectError([] { parseJson("\"\\ud800\""); }, {"unpaired surrogate"});
    expectError([] { parseJson(std::string(100000, '[')); }, {"nesting is deeper than 200"});
}
