#include "core/exec/node_context.h"
#include "tests/core/test_nodes.h"

#include <gtest/gtest.h>

using namespace tessera;

namespace {

struct Latent : Object {
    std::string typeName() const override { return "LATENT"; }
};

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

class NodeContextTest : public ::testing::Test {
protected:
    NodeContextTest() {
        node.id = 3;
        node.type = "KSampler";
        decl.type = "KSampler";
        decl.inputs = {test::TestNodes::port("model", "MODEL"), test::TestNodes::widget("steps", "INT", 20),
                       test::TestNodes::widget("cfg", "FLOAT", 7.5), test::TestNodes::widget("name", "STRING", "x"),
                       test::TestNodes::widget("flag", "BOOLEAN", true)};
    }
    NodeContext make(std::map<std::string, Value> inputs) {
        return NodeContext(node, decl, std::move(inputs), env, CancelToken(), {});
    }
    Node node;
    NodeDecl decl;
    Environment env;
};

}  // namespace

TEST_F(NodeContextTest, ConvertsNumbers) {
    auto c = make({{"steps", Value(12.0)}, {"cfg", Value(8)}, {"name", "abc"}, {"flag", false}});
    EXPECT_EQ(c.getInt("steps"), 12);
    EXPECT_DOUBLE_EQ(c.getFloat("cfg"), 8.0);
    EXPECT_EQ(c.getString("name"), "abc");
    EXPECT_FALSE(c.getBool("flag"));
    EXPECT_TRUE(c.has("steps"));
    EXPECT_FALSE(c.has("model"));
}

TEST_F(NodeContextTest, MissingInputNamesNodeAndInput) {
    auto c = make({});
    EXPECT_EQ(errorOf([&] { c.input("model"); }), "KSampler #3: input 'model' is not connected");
    node.title = "Main sampler";
    EXPECT_EQ(errorOf([&] { c.get<Latent>("model"); }), "Main sampler #3: input 'model' is not connected");
}

TEST_F(NodeContextTest, WrongKindNamesExpectedAndActualType) {
    auto c = make({{"model", Value(std::make_shared<Latent>())}, {"steps", "many"}, {"name", 4}});
    EXPECT_EQ(errorOf([&] { c.get<test::Blob>("model"); }), "KSampler #3: input 'model' should be MODEL but got LATENT");
    EXPECT_EQ(errorOf([&] { c.getInt("steps"); }), "KSampler #3: input 'steps' should be INT but got STRING");
    EXPECT_EQ(errorOf([&] { c.getString("name"); }), "KSampler #3: input 'name' should be STRING but got INT");
    EXPECT_EQ(errorOf([&] { c.fail("out of memory"); }), "KSampler #3: out of memory");
}

TEST_F(NodeContextTest, HooksReachTheirCallbacks) {
    int steps = 0;
    std::string file;
    NodeContext::Hooks hooks;
    hooks.progress = [&](int s, int t) { steps = s * 100 + t; };
    hooks.outputFile = [&](const std::string& p) { file = p; };
    NodeContext c(node, decl, {}, env, CancelToken(), hooks);
    c.progress(3, 10);
    c.outputFile("/out/a.png");
    c.preview(nullptr);  // no hook: ignored
    EXPECT_EQ(steps, 310);
    EXPECT_EQ(file, "/out/a.png");
}
