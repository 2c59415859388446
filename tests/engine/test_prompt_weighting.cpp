#include "core/common/error.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/text/prompt_weighting.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;

namespace {

const ClipTokenizer& weightingTokenizer() { return *ClipTokenizer::shared(test::refdataPath("bpe_simple_vocab_16e6.txt.gz")); }

using Parsed = std::vector<std::pair<std::string, double>>;

Parsed parsePrompt(const std::string& prompt) {
    Parsed out;
    for (const WeightedText& w : parsePromptWeights(prompt)) out.emplace_back(w.text, w.weight);
    return out;
}

void expectParsed(const std::string& prompt, const Parsed& want) {
    const Parsed got = parsePrompt(prompt);
    ASSERT_EQ(got.size(), want.size()) << "prompt: " << prompt;
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].first, want[i].first) << "prompt: " << prompt << " piece " << i;
        EXPECT_DOUBLE_EQ(got[i].second, want[i].second) << "prompt: " << prompt << " piece " << i;
    }
}

std::vector<int> ids(const PromptChunk& chunk) {
    std::vector<int> out;
    for (const PromptToken& t : chunk) out.push_back(t.id);
    return out;
}

std::vector<int> padded(std::vector<int> body, int pad) {
    std::vector<int> out{49406};
    out.insert(out.end(), body.begin(), body.end());
    out.push_back(49407);
    out.resize(77, pad);
    return out;
}

}  // namespace

TEST(PromptWeighting, ExplicitAndImplicitWeights) {
    expectParsed("a photo", {{"a photo", 1.0}});
    expectParsed("a (cat:1.3) photo", {{"a ", 1.0}, {"cat", 1.3}, {" photo", 1.0}});
    expectParsed("(cat)", {{"cat", 1.1}});
    expectParsed("((cat))", {{"cat", 1.1 * 1.1}});
    expectParsed("((cat):1.5)", {{"cat", 1.5 * 1.1}});   // explicit outer weight, inner (..) multiplies
    expectParsed("(((cat:0.5)))", {{"cat", 0.5}});        // an explicit weight replaces the outer ones
    expectParsed("(a (b:2) c:0.5)", {{"a ", 0.5}, {"b", 2.0}, {" c", 0.5}});
    expectParsed("( a : 2 )", {{" a ", 2.0}});
    expectParsed("(a:1e-1)(b:-0.5)", {{"a", 0.1}, {"b", -0.5}});
    expectParsed("", {});
}

TEST(PromptWeighting, EscapedParenthesesAreLiteral) {
    expectParsed("\\(cat\\)", {{"(cat)", 1.0}});
    expectParsed("(\\(cat\\):1.2) dog", {{"(cat)", 1.2}, {" dog", 1.0}});
    // A backslash cannot escape a backslash (as in ComfyUI): "\\(" still escapes the parenthesis.
    expectParsed("a \\\\(b)", {{"a \\(b)", 1.0}});
}

TEST(PromptWeighting, MalformedInputIsKeptAsText) {
    expectParsed("a (b", {{"a ", 1.0}, {"(b", 1.0}});           // unclosed group
    expectParsed("a) b", {{"a) b", 1.0}});                        // stray closing parenthesis
    expectParsed("(a))b", {{"a", 1.1}, {")b", 1.0}});
    expectParsed("(a:abc)", {{"a:abc", 1.1}});                    // not a number
    expectParsed("(:1.5)", {{":1.5", 1.1}});                      // colon at the start is not a weight
    expectParsed("(a:1.5:x)", {{"a:1.5:x", 1.1}});
    expectParsed("(a:0x10)", {{"a:0x10", 1.1}});                  // Python's float() refuses hex
    expectParsed("()", {});
}

TEST(PromptWeighting, ChunksAreWrappedAndPaddedPerFamily) {
    const ClipTokenizer& tok = weightingTokenizer();
    ChunkingOptions sd1;
    auto chunks = tokenizeWithWeights("a (cat:1.5) photo", tok, sd1);
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(ids(chunks[0]), padded({320, 2368, 1125}, 49407));
    for (size_t i = 0; i < 77; ++i) EXPECT_DOUBLE_EQ(chunks[0][i].weight, i == 2 ? 1.5 : 1.0) << i;

    ChunkingOptions sd2;
    sd2.padToken = 0;
    chunks = tokenizeWithWeights("a photo of a cat", tok, sd2);
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(ids(chunks[0]), padded({320, 1125, 539, 320, 2368}, 0));

    chunks = tokenizeWithWeights("", tok, sd1);
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(ids(chunks[0]), padded({}, 49407));
}

TEST(PromptWeighting, SmallWordsMoveWholeToTheNextChunk) {
    const ClipTokenizer& tok = weightingTokenizer();
    ASSERT_EQ(tok.encode("believin"), (std::vector<int>{4972, 530}));
    std::string prompt;
    for (int i = 0; i < 74; ++i) prompt += "a ";
    prompt += "believin";
    const auto chunks = tokenizeWithWeights(prompt, tok, ChunkingOptions{});
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(ids(chunks[0]), padded(std::vector<int>(74, 320), 49407));
    EXPECT_EQ(ids(chunks[1]), padded({4972, 530}, 49407));
}

TEST(PromptWeighting, LongWordsAreSplitAcrossChunks) {
    const ClipTokenizer& tok = weightingTokenizer();
    const std::vector<int> digits = tok.encode("1234567890");
    ASSERT_EQ(digits.size(), 10u);  // one token per digit
    std::string prompt;
    for (int i = 0; i < 70; ++i) prompt += "a ";
    prompt += "(1234567890:0.8)";
    const auto chunks = tokenizeWithWeights(prompt, tok, ChunkingOptions{});
    ASSERT_EQ(chunks.size(), 2u);
    std::vector<int> first(70, 320);
    first.insert(first.end(), digits.begin(), digits.begin() + 5);
    EXPECT_EQ(ids(chunks[0]), padded(first, 49407));
    EXPECT_EQ(ids(chunks[1]), padded(std::vector<int>(digits.begin() + 5, digits.end()), 49407));
    EXPECT_DOUBLE_EQ(chunks[0][71].weight, 0.8);
    EXPECT_DOUBLE_EQ(chunks[1][1].weight, 0.8);
    EXPECT_DOUBLE_EQ(chunks[1][6].weight, 1.0);  // EOS
}

TEST(PromptWeighting, EmbeddingWithoutFoldersIsAnError) {
    try {
        tokenizeWithWeights("a embedding:myStyle cat", weightingTokenizer(), ChunkingOptions{});
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("embedding:myStyle"), std::string::npos) << e.what();
    }
}
