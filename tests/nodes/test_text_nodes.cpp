// ComfyUI's primitive and text nodes (nodes_primitive.py, nodes_string.py): values feeding other nodes' widget
// inputs, and string results as Python computes them.
#include "tests/nodes/node_test_fixture.h"

using namespace tessera;

namespace {

class TextNodes : public test::NodeGraphTest {
protected:
    TextNodes() {
        nodes::registerPrimitiveNodes(registry);
        nodes::registerStringNodes(registry);
    }

    // The first output of `type` run with `widgets`, its string inputs linked from PrimitiveStrings where given.
    Value result(const std::string& type, std::map<std::string, Value> widgets, int slot = 0) {
        const NodeId n = add(type, std::move(widgets));
        const RunResult r = run({n});
        EXPECT_TRUE(r.succeeded()) << r.message;
        return r.succeeded() ? r.outputs.at(n).at(size_t(slot)) : Value();
    }
    std::string text(const std::string& type, std::map<std::string, Value> widgets) {
        return result(type, std::move(widgets)).toString();
    }
};

TEST_F(TextNodes, PrimitivesFeedWidgetInputsOfOtherNodes) {
    const NodeId width = add("PrimitiveInt", {{"value", 5}});
    const NodeId empty = add("EmptyImage", {{"height", 2}, {"batch_size", 1}, {"color", 0}});
    link(width, 0, empty, "width");
    EXPECT_EQ(imageOf(empty).size(2), 5);
    EXPECT_EQ(result("PrimitiveFloat", {{"value", 2}}).isFloat(), true);  // a whole number saved for a FLOAT
    EXPECT_EQ(result("PrimitiveFloat", {{"value", 2.5}}).toFloat(), 2.5);
    EXPECT_EQ(result("PrimitiveBoolean", {{"value", true}}).toBool(), true);
    EXPECT_EQ(text("PrimitiveStringMultiline", {{"value", "a\nb"}}), "a\nb");

    const NodeId prompt = add("PrimitiveString", {{"value", "a cat"}});
    const NodeId joined = add("StringConcatenate", {{"string_b", "watercolor"}, {"delimiter", ", "}});
    link(prompt, 0, joined, "string_a");
    const RunResult r = run({joined});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(r.outputs.at(joined).at(0).toString(), "a cat, watercolor");
}

TEST_F(TextNodes, StringNodesFollowPython) {
    // Slices count code points, negative from the end, clamped; "é" and the emoji are one character each.
    EXPECT_EQ(text("StringSubstring", {{"string", "héllo😀!"}, {"start", 1}, {"end", -1}}), "éllo😀");
    EXPECT_EQ(text("StringSubstring", {{"string", "abc"}, {"start", -10}, {"end", 2}}), "ab");
    EXPECT_EQ(text("StringSubstring", {{"string", "abc"}, {"start", 2}, {"end", 1}}), "");
    EXPECT_EQ(result("StringLength", {{"string", "héllo😀"}}).toInt(), 6);
    EXPECT_EQ(text("CaseConverter", {{"string", "hello wORLD 2nd-try"}, {"mode", "Title Case"}}), "Hello World 2Nd-Try");
    EXPECT_EQ(text("CaseConverter", {{"string", "hello wORLD"}, {"mode", "Capitalize"}}), "Hello world");
    EXPECT_EQ(text("StringTrim", {{"string", "  a b \n"}, {"mode", "Left"}}), "a b \n");
    EXPECT_EQ(text("StringTrim", {{"string", "  a b \n"}, {"mode", "Both"}}), "a b");
    EXPECT_EQ(text("StringReplace", {{"string", "a-b-c"}, {"find", "-"}, {"replace", "+"}}), "a+b+c");
    EXPECT_EQ(text("StringReplace", {{"string", "ab"}, {"find", ""}, {"replace", "."}}), ".a.b.");
    EXPECT_TRUE(result("StringContains", {{"string", "A Cat"}, {"substring", "cat"}, {"case_sensitive", false}}).toBool());
    EXPECT_FALSE(result("StringContains", {{"string", "A Cat"}, {"substring", "cat"}, {"case_sensitive", true}}).toBool());
    EXPECT_TRUE(result("StringCompare", {{"string_a", "photo.png"}, {"string_b", ".PNG"}, {"mode", "Ends With"},
                                         {"case_sensitive", false}}).toBool());
}

TEST_F(TextNodes, RegexNodesMatchExtractAndReplace) {
    const std::map<std::string, Value> flags = {{"case_insensitive", true}, {"multiline", false}, {"dotall", false}};
    auto with = [&](std::map<std::string, Value> w) {
        w.insert(flags.begin(), flags.end());
        return w;
    };
    EXPECT_TRUE(result("RegexMatch", with({{"string", "Seed 42"}, {"regex_pattern", "seed \\d+"}})).toBool());
    EXPECT_FALSE(result("RegexMatch", with({{"string", "x"}, {"regex_pattern", "("}})).toBool());  // invalid: no match
    const std::string s = "w=512, h=768";
    EXPECT_EQ(text("RegexExtract", with({{"string", s}, {"regex_pattern", "\\d+"}, {"mode", "All Matches"}, {"group_index", 1}})),
              "512\n768");
    EXPECT_EQ(text("RegexExtract", with({{"string", s}, {"regex_pattern", "(\\w)=(\\d+)"}, {"mode", "All Groups"}, {"group_index", 2}})),
              "512\n768");
    EXPECT_EQ(text("RegexExtract", with({{"string", s}, {"regex_pattern", "(\\w)=(\\d+)"}, {"mode", "First Match"}, {"group_index", 1}})),
              "w=512");
    EXPECT_EQ(text("RegexExtract", with({{"string", s}, {"regex_pattern", "(\\w)=(\\d+)"}, {"mode", "First Group"}, {"group_index", 3}})),
              "");
    EXPECT_EQ(text("RegexReplace", with({{"string", s}, {"regex_pattern", "(\\w)=(\\d+)"}, {"replace", "\\2\\1"}, {"count", 1}})),
              "512w, h=768");
    EXPECT_EQ(text("RegexReplace", with({{"string", s}, {"regex_pattern", "\\d"}, {"replace", "#"}, {"count", 0}})), "w=###, h=###");
    const NodeId bad = add("RegexReplace", with({{"string", s}, {"regex_pattern", "("}, {"replace", ""}, {"count", 0}}));
    EXPECT_NE(failureOf(bad).find("not a valid regular expression"), std::string::npos);
}

}  // namespace
