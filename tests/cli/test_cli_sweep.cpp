// `tessera run --sweep`: every cell's PNG named after its values, equal to a separate run with
// --set; the labelled contact sheet (layout, cell pixels, the sweep embedded); sweeps saved in
// bundles; bad sweeps refused before anything runs.
#include "app/cli/contact_sheet.h"
#include "core/io/graph_file.h"
#include "core/io/png_metadata.h"
#include "core/sweep/sweep.h"
#include "nodes/builtin_nodes.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/refdata.h"

#include <QFile>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;
using tessera::cli::ContactSheetLabels;
using tessera::cli::ContactSheetLayout;

namespace {

std::string graphPath() { return sourceDir() + "/tests/cli/data/pipelines/img2img-euler-normal.json"; }

std::string runArgsWithProgress(const std::string& graph, const std::string& outDir, const std::string& extra) {
    return "run " + quoted(graph) + " --models " + quoted(refdataModelsDir()) + " --input " + quoted(refdataPath("cases")) +
           " --output " + quoted(outDir) + " " + pinnedCompute() + " " + extra;
}

bool samePixels(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

bool hasInk(const cv::Mat& sheet, cv::Rect box) {
    cv::Mat grey;
    cv::cvtColor(sheet(box), grey, cv::COLOR_BGR2GRAY);
    double lo = 255;
    cv::minMaxLoc(grey, &lo);
    return lo < 128;
}

bool allWhite(const cv::Mat& sheet, cv::Rect box) {
    cv::Mat grey;
    cv::cvtColor(sheet(box), grey, cv::COLOR_BGR2GRAY);
    double lo = 0;
    cv::minMaxLoc(grey, &lo);
    return lo == 255;
}

}  // namespace

TEST(CliSweep, WritesEveryCellAndALabelledContactSheet) {
    const std::string out = makeTempDir("cli-sweep");
    const CliResult r = runTessera(runArgsWithProgress(graphPath(), out, "--sweep KSampler.denoise=0.3,0.6 --sweep KSampler.cfg=4,7"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string prefix = out + "/img2img-euler-normal_";
    const std::vector<std::string> cells{prefix + "denoise-0.3_cfg-4_00001_.png", prefix + "denoise-0.6_cfg-4_00001_.png",
                                         prefix + "denoise-0.3_cfg-7_00001_.png", prefix + "denoise-0.6_cfg-7_00001_.png"};
    const std::string sheetPath = out + "/sweep_00001_.png";
    std::string listed;
    for (const auto& c : cells) listed += c + "\n";
    EXPECT_EQ(r.out, listed + sheetPath + "\n") << "stdout lists every cell's image, then the contact sheet";
    EXPECT_NE(r.err.find("sweep: 4 cell(s), KSampler.denoise across, KSampler.cfg down"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("cell 4/4: KSampler.denoise=0.6, KSampler.cfg=7"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("[2/4 25%] CheckpointLoaderSimple #1 cached"), std::string::npos) << "upstream work is reused\n" << r.err;

    // The sheet: the cells' pixels where the layout puts them, labels drawn, the sweep embedded.
    const cv::Mat sheet = cv::imread(sheetPath, cv::IMREAD_COLOR);
    ASSERT_FALSE(sheet.empty());
    std::vector<cv::Mat> images;
    for (const auto& c : cells) images.push_back(cv::imread(c, cv::IMREAD_COLOR));
    const ContactSheetLabels labels{"KSampler.denoise", {"0.3", "0.6"}, "KSampler.cfg", {"4", "7"}};
    const ContactSheetLayout layout = cli::layoutContactSheet(labels, images[0].size());
    EXPECT_EQ(sheet.size(), layout.size);
    for (size_t i = 0; i < cells.size(); ++i) EXPECT_TRUE(samePixels(sheet(layout.cells[i]), images[i])) << cells[i];
    QFile f(QString::fromStdString(sheetPath));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    Registry registry;
    nodes::registerBuiltinNodes(registry);
    LoadReport report;
    const Graph embedded = graphFromPng(f.readAll(), registry, report);
    EXPECT_EQ(savedSweep(embedded), (std::vector<std::string>{"KSampler.denoise=0.3,0.6", "KSampler.cfg=4,7"}));

    // A cell equals a separate run with --set.
    const std::string alone = makeTempDir("cli-sweep-alone");
    ASSERT_EQ(runTessera(runArgsWithProgress(graphPath(), alone, "-q --set KSampler.denoise=0.6 --set KSampler.cfg=7")).exitCode, 0);
    EXPECT_TRUE(samePixels(cv::imread(alone + "/img2img-euler-normal_00001_.png", cv::IMREAD_COLOR), images[3]));
    std::filesystem::remove_all(out);
    std::filesystem::remove_all(alone);
}

TEST(CliSweep, ASweepPackedIntoABundleRunsFromIt) {
    const std::string dir = makeTempDir("cli-sweep-bundle");
    const std::string bundle = dir + "/seeds.tessera";
    const CliResult pack = runTessera("pack " + quoted(graphPath()) + " -o " + quoted(bundle) + " --input " +
                                      quoted(refdataPath("cases")) + " --sweep KSampler.seed=1:2");
    ASSERT_EQ(pack.exitCode, 0) << pack.err;
    EXPECT_NE(pack.out.find(", a sweep"), std::string::npos) << pack.out;

    const CliResult valid = runTessera("validate " + quoted(bundle) + " --models " + quoted(refdataModelsDir()));
    EXPECT_EQ(valid.exitCode, 0) << valid.out << valid.err;
    EXPECT_NE(valid.out.find(", a sweep)"), std::string::npos) << valid.out;

    const CliResult swept = runTessera(runArgsWithProgress(bundle, dir + "/out", "-q --set KSampler.steps=2"));
    ASSERT_EQ(swept.exitCode, 0) << swept.err;
    EXPECT_TRUE(std::filesystem::exists(dir + "/out/img2img-euler-normal_seed-1_00001_.png")) << swept.out;
    EXPECT_TRUE(std::filesystem::exists(dir + "/out/img2img-euler-normal_seed-2_00001_.png")) << swept.out;
    EXPECT_TRUE(std::filesystem::exists(dir + "/out/sweep_00001_.png")) << swept.out;

    const CliResult once = runTessera(runArgsWithProgress(bundle, dir + "/once", "-q --no-sweep --set KSampler.steps=2"));
    ASSERT_EQ(once.exitCode, 0) << once.err;
    EXPECT_EQ(once.out, dir + "/once/img2img-euler-normal_00001_.png\n");
    std::filesystem::remove_all(dir);
}

TEST(CliSweep, BadSweepsFailBeforeAnythingRuns) {
    const std::string out = makeTempDir("cli-sweep-bad");
    const CliResult range = runTessera(runArgsWithProgress(graphPath(), out, "--sweep KSampler.cfg=4,400"));
    EXPECT_EQ(range.exitCode, 3) << range.err;
    EXPECT_NE(range.err.find("KSampler #7: input 'cfg' is 400, above its maximum 100 (sweep value KSampler.cfg=400)"),
              std::string::npos)
        << range.err;
    EXPECT_EQ(range.err.find("CheckpointLoaderSimple"), std::string::npos) << "nothing ran\n" << range.err;

    const CliResult validate = runTessera("validate " + quoted(graphPath()) + " --models " + quoted(refdataModelsDir()) +
                                          " --input " + quoted(refdataPath("cases")) + " --sweep KSampler.steps=0:20:10");
    EXPECT_EQ(validate.exitCode, 3);
    EXPECT_NE(validate.out.find("input 'steps' is 0, below its minimum 1 (sweep value KSampler.steps=0)"), std::string::npos)
        << validate.out;

    const CliResult unknown = runTessera(runArgsWithProgress(graphPath(), out, "--sweep Sampler.cfg=4"));
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.err.find("--sweep: no node is titled or of type 'Sampler'"), std::string::npos) << unknown.err;
    const CliResult three = runTessera(runArgsWithProgress(graphPath(), out, "--sweep 7.cfg=4 --sweep 7.steps=2 --sweep 7.seed=1"));
    EXPECT_EQ(three.exitCode, 2);
    EXPECT_NE(three.err.find("one or two axes"), std::string::npos) << three.err;
    EXPECT_FALSE(std::filesystem::exists(out + "/sweep_00001_.png"));
    std::filesystem::remove_all(out);
}

TEST(ContactSheet, LaysOutLabelsAboveColumnsAndBesideRows) {
    const ContactSheetLabels labels{"KSampler.denoise", {"0.30", "0.45", "0.60"}, "KSampler.cfg", {"4", "7"}};
    std::vector<cv::Mat> images;
    for (int i = 0; i < 6; ++i) images.emplace_back(48, 64, CV_8UC3, cv::Scalar(40 * i, 200 - 30 * i, 90));
    ContactSheetLayout l;
    const cv::Mat sheet = cli::drawContactSheet(labels, images, &l);
    EXPECT_EQ(sheet.size(), l.size);
    EXPECT_EQ(l.cell, cv::Size(64, 48));
    ASSERT_EQ(l.cells.size(), 6u);
    ASSERT_EQ(l.columnLabels.size(), 3u);
    ASSERT_EQ(l.rowLabels.size(), 2u);
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_TRUE(samePixels(sheet(l.cells[i]), images[i])) << "cell " << i;
        const size_t col = i % 3, row = i / 3;
        EXPECT_EQ(l.cells[i].x, l.columnLabels[col].x) << "a value label sits over its column";
        EXPECT_EQ(l.cells[i].y, l.rowLabels[row].y) << "a value label sits beside its row";
        EXPECT_GT(l.cells[i].y, l.columnLabels[col].y + l.columnLabels[col].height - 1);
        EXPECT_GT(l.cells[i].x, l.rowLabels[row].x + l.rowLabels[row].width - 1);
    }
    EXPECT_LT(l.columnTitle.y + l.columnTitle.height, l.columnLabels[0].y + 1) << "the axis name above its values";
    EXPECT_EQ(l.cells[5].br(), cv::Point(l.size.width - 8, l.size.height - 8)) << "an 8 px margin";
    for (const auto& box : l.columnLabels) EXPECT_TRUE(hasInk(sheet, box));
    for (const auto& box : l.rowLabels) EXPECT_TRUE(hasInk(sheet, box));
    EXPECT_TRUE(hasInk(sheet, l.columnTitle));
    EXPECT_TRUE(hasInk(sheet, l.rowTitle));
    const cv::Rect gap(l.cells[0].br().x, l.cells[0].y, l.cells[1].x - l.cells[0].br().x, l.cell.height);
    EXPECT_TRUE(allWhite(sheet, gap)) << "white between cells";
}

TEST(ContactSheet, OneAxisIsOneRowAndLargeImagesAreScaledDown) {
    const ContactSheetLabels labels{"KSampler.seed", {"1", "2"}, "", {}};
    const std::vector<cv::Mat> images{cv::Mat(768, 1024, CV_8UC3, cv::Scalar(0, 0, 255)), cv::Mat()};
    ContactSheetLayout l;
    const cv::Mat sheet = cli::drawContactSheet(labels, images, &l);
    EXPECT_EQ(l.cell, cv::Size(512, 384));
    ASSERT_EQ(l.cells.size(), 2u);
    EXPECT_EQ(l.cells[0].y, l.cells[1].y);
    EXPECT_TRUE(l.rowLabels.empty());
    EXPECT_EQ(l.cells[0].x, 8) << "no row labels: only the margin on the left";
    EXPECT_EQ(sheet.at<cv::Vec3b>(l.cells[0].y + 10, l.cells[0].x + 10), cv::Vec3b(0, 0, 255));
    EXPECT_EQ(sheet.at<cv::Vec3b>(l.cells[1].y + 10, l.cells[1].x + 10), cv::Vec3b(128, 128, 128)) << "no image: grey";
    EXPECT_NE(cli::layoutContactSheet(labels, {64, 64}).size, l.size);
}
