// The load test: 8 concurrent clients run 200 txt2img prompts (tiny SD1.5, 64x64, one step,
// a seed of their own each) through the real `tessera serve`. Every prompt completes, every
// history entry has its own image file, each client hears only of its own prompts and gets one
// preview frame per prompt, and the server's resident memory stays flat between the 50th prompt
// and the last (beyond what its output cache keeps by design).
#include "tests/cli/cli_runner.h"
#include "tests/server/load_client.h"
#include "tests/server/server_harness.h"
#include "tests/support/refdata.h"

#include "core/io/json.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <set>

namespace tessera::test {
namespace {

constexpr int kClients = 8;
constexpr int kPrompts = 200;
constexpr int kWarmPrompts = 50;      // memory is compared from here to the end
constexpr int kTimeLimitMs = 300000;  // a hang guard, not a timing check
// Each prompt leaves its sampled latent (4x8x8 floats) and decoded image (64x64x3 floats) in the
// executor's output cache, which keeps them by design (least recently used first out, within its
// 8 GiB budget); beyond that the server may grow by kRssSlackMiB over the last 150 prompts.
constexpr double kCachedMiBPerPrompt = (4 * 8 * 8 + 64 * 64 * 3) * 4 / 1048576.0;
constexpr double kRssSlackMiB = 8;

QByteArray promptBody(const std::string& clientId, int index) {
    const int64_t seed = int64_t(std::hash<std::string>{}(clientId) % 100000) * 1000 + index;
    return QByteArray::fromStdString(R"({"client_id": ")" + clientId + R"(", "prompt": {
 "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
 "5": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
   "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": )" +
                                     std::to_string(seed) + R"(, "steps": 1}},
 "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
 "7": {"class_type": "SaveImage", "inputs": {"filename_prefix": "load", "images": ["6", 0]}}}})");
}


TEST(ServeLoad, EightClientsRunTwoHundredPromptsWithEveryOutputAndFlatMemory) {
    // One compute thread: the test's own clients share this machine's cores with the server.
    ServerProcess server({"--models", QString::fromStdString(refdataModelsDir()), "--threads", "1"});
    ASSERT_TRUE(server.started()) << server.log().toStdString();

    QEventLoop loop;
    int completed = 0, clientsDone = 0;
    double rssAtWarm = 0;
    QElapsedTimer clock;
    clock.start();
    std::vector<std::unique_ptr<LoadClient>> clients;
    for (int c = 0; c < kClients; ++c)
        clients.push_back(std::make_unique<LoadClient>(
            server.url(""), "load-client-" + std::to_string(c), kPrompts / kClients, promptBody,
            [&] {
                if (++completed == kWarmPrompts) rssAtWarm = residentMiB(server.pid());
            },
            [&] {
                if (++clientsDone == kClients) loop.quit();
            }));
    QTimer::singleShot(kTimeLimitMs, &loop, &QEventLoop::quit);
    for (auto& client : clients) client->start();
    loop.exec();
    const double seconds = clock.elapsed() / 1000.0;
    const double rssAtEnd = residentMiB(server.pid());

    ASSERT_EQ(clientsDone, kClients) << completed << " of " << kPrompts << " prompts finished in time";
    std::set<std::string> allIds;
    for (const auto& client : clients) {
        for (const auto& problem : client->problems()) ADD_FAILURE() << problem;
        EXPECT_EQ(int(client->posted().size()), kPrompts / kClients);
        EXPECT_EQ(client->succeeded().size(), client->posted().size()) << client->clientId();
        const std::set<std::string> own(client->posted().begin(), client->posted().end());
        for (const auto& id : client->mentioned())
            EXPECT_TRUE(own.count(id)) << client->clientId() << " was told about another client's prompt " << id;
        EXPECT_EQ(client->previewFrames(), kPrompts / kClients) << client->clientId() << ": one preview per one-step prompt";
        allIds.insert(client->posted().begin(), client->posted().end());
    }
    EXPECT_EQ(int(allIds.size()), kPrompts) << "prompt ids are unique";

    // Every history entry succeeded and names an image file of its own that exists.
    const HttpReply history = httpGet(server.url("/history"));
    ASSERT_EQ(history.status, 200);
    const Json entries = replyJson(history.body);
    std::set<std::string> files;
    for (const auto& id : allIds) {
        const Json* entry = entries.find(id);
        ASSERT_TRUE(entry) << "no history entry for " << id;
        EXPECT_EQ(entry->find("status")->find("status_str")->toString(), "success") << id;
        const Json* save = entry->find("outputs")->find("7");
        ASSERT_TRUE(save) << "no SaveImage output in the history of " << id;
        ASSERT_EQ(save->find("images")->array().size(), 1u) << id;
        const std::string name = save->find("images")->array().front().find("filename")->toString();
        EXPECT_TRUE(files.insert(name).second) << name << " is named by two history entries";
        EXPECT_TRUE(QFileInfo(QDir(server.outputDir()).filePath(QString::fromStdString(name))).isFile()) << name;
    }
    EXPECT_EQ(int(files.size()), kPrompts);
    EXPECT_EQ(int(QDir(server.outputDir()).entryList({"load_*.png"}, QDir::Files).size()), kPrompts);

    ASSERT_GT(rssAtWarm, 0);
    const double cacheGrowth = (kPrompts - kWarmPrompts) * kCachedMiBPerPrompt;
#if defined(TESSERA_SANITIZED_BUILD)
    // AddressSanitizer's quarantine and allocator caches hold freed blocks, so RSS says nothing about the
    // product there; LeakSanitizer checks for leaks in that build instead.
    constexpr bool kRssIsTheProducts = false;
#else
    constexpr bool kRssIsTheProducts = true;
#endif
    if (kRssIsTheProducts) {
        EXPECT_LE(rssAtEnd - rssAtWarm, cacheGrowth + kRssSlackMiB) << "server RSS " << rssAtWarm << " MiB after " << kWarmPrompts
                                                   << " prompts, " << rssAtEnd << " MiB after " << kPrompts;
    }
    std::printf("[ load ] %d prompts from %d clients in %.1f s (%.1f prompts/s); server RSS %.1f MiB after %d, %.1f MiB "
                "after %d (+%.1f MiB, of which the output cache holds %.1f MiB)\n",
                kPrompts, kClients, seconds, kPrompts / seconds, rssAtWarm, kWarmPrompts, rssAtEnd, kPrompts,
                rssAtEnd - rssAtWarm, cacheGrowth);
}

}  // namespace
}  // namespace tessera::test
