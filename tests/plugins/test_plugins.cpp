// Plugins: the example plugin loads and its nodes run through the executor; broken plugins are
// refused by name and the host keeps its registry intact.
#include "core/exec/executor.h"
#include "core/plugin/node_plugin.h"
#include "core/plugin/plugin_loader.h"
#include "nodes/builtin_nodes.h"
#include "nodes/image_node_support.h"
#include "nodes/values.h"
#include "plugins/image_adjust/image_adjust_nodes.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace tessera;

namespace {

namespace fs = std::filesystem;

bool mentions(const std::vector<std::string>& problems, const std::string& a, const std::string& b) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
        return p.find(a) != std::string::npos && p.find(b) != std::string::npos;
    });
}

std::string fixture(const std::string& name) { return std::string(TESSERA_PLUGIN_FIXTURE_DIR) + "/fixture_" + name + ".so"; }

// The registry the host has before loading plugins (Registry is not movable).
struct BuiltinRegistry : Registry {
    BuiltinRegistry() { nodes::registerBuiltinNodes(*this); }
};

}  // namespace

TEST(Plugins, ExamplePluginRegistersItsNodesUnderItsName) {
    BuiltinRegistry r;
    const PluginReport report = loadPlugins(r, {TESSERA_PLUGIN_DIR});
    ASSERT_EQ(report.loaded.size(), 1u) << (report.problems.empty() ? "" : report.problems[0]);
    EXPECT_TRUE(report.problems.empty());
    EXPECT_EQ(report.loaded[0].name, "image-adjust");
    EXPECT_EQ(report.loaded[0].nodeTypes, (std::vector<std::string>{"ImageAdjust", "GaussianBlur", "UnsharpMask"}));
    ASSERT_NE(r.find("UnsharpMask"), nullptr);
    EXPECT_EQ(r.find("UnsharpMask")->origin, "image-adjust");
    EXPECT_EQ(r.find("ImageSharpen")->origin, "builtin");  // ComfyUI's, whose kernel differs
    EXPECT_EQ(r.find("KSampler")->origin, "builtin");
}

TEST(Plugins, TheDefaultSearchPathFindsTheBuildTreesPlugins) {
    ::setenv("TESSERA_PLUGIN_PATH", "/nonexistent/a:/nonexistent/b", 1);
    const auto dirs = pluginDirs();
    ::unsetenv("TESSERA_PLUGIN_PATH");
    ASSERT_GE(dirs.size(), 3u);
    EXPECT_EQ(dirs[0], "/nonexistent/a");
    EXPECT_EQ(dirs[1], "/nonexistent/b");
    EXPECT_NE(std::find(dirs.begin(), dirs.end(), fs::path(TESSERA_PLUGIN_DIR).lexically_normal().string()), dirs.end())
        << "tests live in build/tests, plugins in build/lib/tessera/plugins";
}

TEST(Plugins, PluginNodesRunThroughTheExecutorWithTheHostsValues) {
    BuiltinRegistry r;
    loadPlugins(r, {TESSERA_PLUGIN_DIR});
    // A 16x12 gradient goes through UnsharpMask; the executor hands back its output.
    Graph g;
    const at::Tensor img = at::linspace(0, 1, 16 * 12 * 3).reshape({1, 12, 16, 3});
    Node& sharpen = g.addNode("UnsharpMask");
    sharpen.widgets["sharpen_radius"] = Value(int64_t(2));
    sharpen.widgets["sigma"] = Value(1.5);
    sharpen.widgets["alpha"] = Value(0.8);
    // Feed the image through a tiny in-test source node.
    NodeDecl source;
    source.type = "TestImageSource";
    source.outputs = {{"IMAGE", "IMAGE"}};
    source.run = [img](NodeContext&) { return std::vector<Value>{nodes::imageValue(img)}; };
    r.add(source);
    Node& src = g.addNode("TestImageSource");
    g.connect(src.id, 0, sharpen.id, "image", "IMAGE");
    Executor executor(r);
    const RunResult result = executor.run(g, Environment{}, {}, {sharpen.id});
    ASSERT_TRUE(result.succeeded()) << result.message;
    const at::Tensor got = result.outputs.at(sharpen.id).at(0).as<nodes::ImageValue>()->pixels;

    cv::Mat src32(12, 16, CV_32FC3, img.contiguous().data_ptr<float>()), blurred;
    cv::GaussianBlur(src32, blurred, cv::Size(5, 5), 1.5, 1.5, cv::BORDER_REFLECT_101);
    const at::Tensor blur = at::from_blob(blurred.data, {1, 12, 16, 3}, at::kFloat).clone();
    const at::Tensor want = (img + (img - blur) * 0.8).clamp(0, 1);
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-6);
}

TEST(Plugins, AdjustMatchesItsFormula) {
    const at::Tensor px = at::tensor({0.2f, 0.4f, 0.9f}).reshape({1, 1, 1, 3});
    const at::Tensor out = plugins::image_adjust::adjust(px, 0.1, 1.5, 0.5, 2.0);
    // contrast then brightness: (v-0.5)*1.5+0.6 -> 0.15, 0.45, 1.2; luma = 0.299*.15+0.587*.45+0.114*1.2
    const double r = 0.15, g = 0.45, b = 1.2, y = 0.299 * r + 0.587 * g + 0.114 * b;
    const double want[3] = {y + (r - y) * 0.5, y + (g - y) * 0.5, std::min(1.0, y + (b - y) * 0.5)};
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(out[0][0][0][c].item<double>(), std::pow(want[c], 0.5), 1e-6) << c;
}

TEST(Plugins, PluginsForAnotherInterfaceVersionAreRefusedByName) {
    BuiltinRegistry r;
    const size_t before = r.all().size();
    PluginReport wrong = loadPluginFile(r, fixture("wrong_interface"));
    EXPECT_TRUE(wrong.loaded.empty());
    EXPECT_TRUE(mentions(wrong.problems, "fixture_wrong_interface.so", "org.tessera.NodePlugin/99"));
    EXPECT_TRUE(mentions(wrong.problems, "fixture_wrong_interface.so", "rebuild the plugin"));
    PluginReport newer = loadPluginFile(r, fixture("newer_minor"));
    EXPECT_TRUE(newer.loaded.empty());
    EXPECT_TRUE(mentions(newer.problems, "fixture_newer_minor.so", "update Tessera"));
    EXPECT_EQ(r.all().size(), before);
}

TEST(Plugins, APluginThatThrowsIsSkippedWithNoneOfItsTypes) {
    BuiltinRegistry r;
    const PluginReport report = loadPluginFile(r, fixture("throws_on_register"));
    EXPECT_TRUE(report.loaded.empty());
    EXPECT_TRUE(mentions(report.problems, "fixture_throws_on_register.so", "the plugin's model file is missing"));
    EXPECT_EQ(r.find("FixtureNode_half_registered"), nullptr);
}

TEST(Plugins, ATypeTakenByTheBuiltinsStaysBuiltinAndTheRestLoads) {
    BuiltinRegistry r;
    const PluginReport report = loadPluginFile(r, fixture("duplicate_type"));
    ASSERT_EQ(report.loaded.size(), 1u);
    EXPECT_EQ(report.loaded[0].nodeTypes, std::vector<std::string>{"FixtureNode_own"});
    EXPECT_TRUE(mentions(report.problems, "'KSampler'", "already provided by builtin"));
    EXPECT_EQ(r.find("KSampler")->origin, "builtin");
    EXPECT_EQ(r.find("FixtureNode_own")->origin, "duplicate-type");
}

TEST(Plugins, FilesThatAreNotPluginsAreReportedAndSkipped) {
    const std::string dir = test::makeTempDir("plugins-garbage");
    { std::ofstream(dir + "/libgarbage.so") << "not an ELF file"; }
    { std::ofstream(dir + "/notes.txt") << "ignored: not a library name"; }
    BuiltinRegistry r;
    const PluginReport report = loadPlugins(r, {dir, "/nonexistent/folder"});
    EXPECT_TRUE(report.loaded.empty());
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_NE(report.problems[0].find("libgarbage.so: not a Qt plugin"), std::string::npos) << report.problems[0];
    fs::remove_all(dir);
}
