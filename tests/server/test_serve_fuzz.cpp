// A bounded fuzz of the real `tessera serve` on a loopback port: a few thousand mutated and
// garbage POST /prompt bodies and multipart /upload/image and /upload/mask bodies, from a fixed
// seed. Each gets a 2xx or 4xx answer in time (never a 5xx, a dropped connection or a hang),
// nothing is written outside the server's folders, and afterwards the server is still up and
// still runs a valid prompt to its image.
#include "tests/cli/cli_runner.h"
#include "tests/server/body_mutator.h"
#include "tests/server/request_burst.h"
#include "tests/server/server_harness.h"
#include "tests/support/refdata.h"

#include "core/io/json.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QThread>
#include <QtEndian>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>

namespace tessera::test {
namespace {

constexpr uint64_t kSeed = 0x7e55e7a5eedULL;
constexpr int kPromptBodies = 2000;
constexpr int kUploadBodies = 1000;
constexpr int kBatch = 200;        // the queue is cleared between batches, so accepted mutants stay few
constexpr int kInFlight = 8;
constexpr int kTimeoutMs = 15000;  // per request: no byte for this long counts as a hang

std::string validPrompt(int64_t seed) {
    return R"({"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
 "5": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
   "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": )" +
           std::to_string(seed) + R"(, "steps": 1}},
 "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
 "7": {"class_type": "SaveImage", "inputs": {"filename_prefix": "fuzz", "images": ["6", 0]}}})";
}

std::string validBody(int64_t seed) {
    return R"({"client_id": "fuzz", "number": 3, "front": false, "extra_data": {"extra_pnginfo": {"workflow": {}}},
 "prompt": )" + validPrompt(seed) + "}";
}


QByteArray pngOf(int width, int height) {
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(height, width, CV_8UC3, cv::Scalar(40, 80, 120)), png);
    return QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size()));
}

uint32_t crc32(const QByteArray& bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (const char c : bytes) {
        crc ^= uchar(c);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// A small PNG whose header claims width x height (with a valid header checksum).
QByteArray pngClaiming(quint32 width, quint32 height) {
    QByteArray png = pngOf(8, 8);
    qToBigEndian(width, png.data() + 16);
    qToBigEndian(height, png.data() + 20);
    qToBigEndian(crc32(png.mid(12, 17)), png.data() + 29);  // over "IHDR" and its 13 bytes
    return png;
}

QByteArray part(const QByteArray& boundary, const QByteArray& name, const QByteArray& value,
                const QByteArray& filename = {}) {
    QByteArray p = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.isNull()) p += "; filename=\"" + filename + "\"\r\nContent-Type: image/png";
    return p + "\r\n\r\n" + value + "\r\n";
}

// One multipart upload: mostly well-formed with hostile fields, half of them also byte-mutated.
BurstRequest uploadRequest(BodyMutator& m, const QString& serverUrl, const QByteArray& validPng) {
    static const std::vector<QByteArray> names{
        "pic.png", "../x.png", "/etc/passwd", "", QByteArray("a\0b.png", 7), "....png", "x/../../y.png",
        QByteArray(300, 'n') + ".png", "\xc3\xbc.png", ".png", "a b.png", "pic.png\r\nX: y", "sub\\..\\z.png", "%2e%2e%2fq.png"};
    static const std::vector<QByteArray> subfolders{"", "", "sub", "..", "/abs", "a/../../b", "pic.png", QByteArray(300, 's'),
                                                    "a/b/c", ".", "sub/./x"};
    static const std::vector<QByteArray> types{"input", "input", "output", "temp", "bogus", ""};
    static const std::vector<QByteArray> flags{"true", "false", "1", "0", "yes", ""};
    static const std::vector<QByteArray> refs{
        R"({"filename": "pic.png", "subfolder": "", "type": "input"})", R"({"filename": "../../etc/passwd", "type": "input"})",
        R"({"filename": "pic.png", "type": "bogus"})", "{", "[]", "", R"({"filename": 5})"};
    const QByteArray boundary = "Bnd" + QByteArray::number(m.below(1 << 30));
    QByteArray image;
    switch (m.below(6)) {
        case 0: case 1: image = validPng; break;
        case 2: image = m.mutateBytes(validPng); break;
        case 3: image = pngClaiming(m.chance(0.5) ? 100000 : 30000, m.chance(0.5) ? 100000 : 30000); break;
        case 4: image = m.garbage(2048); break;
        default: image = pngOf(1 + m.below(40), 1 + m.below(40)); break;
    }
    std::vector<QByteArray> parts{part(boundary, "image", image, m.pick(names))};
    if (m.chance(0.7)) parts.push_back(part(boundary, "type", m.pick(types)));
    if (m.chance(0.5)) parts.push_back(part(boundary, "subfolder", m.pick(subfolders)));
    if (m.chance(0.5)) parts.push_back(part(boundary, "overwrite", m.pick(flags)));
    const bool mask = m.chance(0.3);
    if (mask && m.chance(0.9)) parts.push_back(part(boundary, "original_ref", m.pick(refs)));
    if (m.chance(0.1)) parts.push_back(part(boundary, "image", m.garbage(64), "second.png"));
    std::shuffle(parts.begin(), parts.end(), std::mt19937(uint32_t(m.below(1 << 30))));
    QByteArray body;
    for (const auto& p : parts) body += p;
    body += "--" + boundary + "--\r\n";
    if (m.chance(0.5)) body = m.mutateBytes(body);
    QByteArray contentType = "multipart/form-data; boundary=" + boundary;
    switch (m.below(12)) {
        case 0: contentType = "multipart/form-data"; break;
        case 1: contentType = "multipart/form-data; boundary=\"" + boundary + "\""; break;
        case 2: contentType = "multipart/form-data; boundary=" + QByteArray(250, 'b'); break;
        case 3: contentType = "application/json"; break;
        case 4: contentType = m.mutateBytes(contentType).replace('\r', ' ').replace('\n', ' ').replace('\0', ' '); break;
        default: break;
    }
    return {serverUrl + (mask ? "/upload/mask" : "/upload/image"), body, contentType};
}

BurstRequest promptRequest(BodyMutator& m, const QString& url, const Json& valid, const QByteArray& validText) {
    static const std::vector<QByteArray> shapes{"[]", "1", "\"x\"", "null", "{\"prompt\": []}", "{\"prompt\": null}",
                                                "{\"prompt\": {\"1\": 5}}", "{\"prompt\": {\"1\": {\"inputs\": {}}}}",
                                                QByteArray(5000, '[') + QByteArray(5000, ']'),
                                                "{\"prompt\": " + QByteArray(150, '[') + QByteArray(150, ']') + "}",
                                                "{\"prompt\": {}, \"number\": 1e999}", "\xef\xbb\xbf{\"prompt\": {}}"};
    QByteArray body;
    switch (m.below(10)) {
        case 0: case 1: case 2: case 3: body = m.mutateBytes(validText); break;
        case 4: case 5: case 6: case 7: {
            Json mutated = m.mutateJson(valid);
            if (m.chance(0.3)) mutated = m.mutateJson(mutated);
            body = QByteArray::fromStdString(writeJson(mutated));
            break;
        }
        case 8: body = m.garbage(4096); break;
        default: body = m.pick(shapes); break;
    }
    return {url, body, m.chance(0.9) ? QByteArray("application/json") : m.garbage(30).replace('\r', ' ').replace('\n', ' ')};
}

// Status counts ("200: 12, 400: 1800") for the test's log line.
std::string summary(const std::vector<int>& statuses) {
    std::map<int, int> counts;
    for (int s : statuses) ++counts[s];
    std::string text;
    for (const auto& [status, count] : counts) text += (text.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(count);
    return text;
}

void expectAnswered(const std::vector<int>& statuses, const std::vector<BurstRequest>& requests) {
    int reported = 0;
    for (size_t i = 0; i < statuses.size(); ++i) {
        const int s = statuses[i];
        if ((s >= 200 && s < 300) || (s >= 400 && s < 500)) continue;
        if (reported++ < 5)
            ADD_FAILURE() << requests[i].url.toStdString() << " answered " << s
                          << (s == -1 ? " (no answer in time)" : s == 0 ? " (connection closed)" : "")
                          << " to a body of " << requests[i].body.size() << " bytes: "
                          << requests[i].body.left(300).toStdString();
    }
    EXPECT_EQ(reported, 0) << reported << " bodies got no 2xx/4xx answer";
}

TEST(ServeFuzz, MutatedPromptAndUploadBodiesGetAnAnswerAndTheServerStillRuns) {
    ServerProcess server({"--models", QString::fromStdString(refdataModelsDir())});
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    BodyMutator m(kSeed, {"{", "}", "[", "]", "\"", ",", ":", "null", "true", "1e999", "-0", "9223372036854775808",
                          "\\u0000", "\\ud800", "\"class_type\"", "\"inputs\"", "\"prompt\"", "[\"1\", 0]", "\xff\xfe",
                          QByteArray(64, '['), "\r\n", "--", "\r\n\r\n", "Content-Disposition: form-data; name=\"image\"; filename=\"",
                          "Content-Type: image/png\r\n", ";", QByteArray(1, '\0')});
    QElapsedTimer clock;
    clock.start();

    const QByteArray validText = QByteArray::fromStdString(validBody(1));
    const Json valid = replyJson(validText);
    std::vector<int> promptStatuses;
    std::vector<BurstRequest> promptRequests;
    for (int start = 0; start < kPromptBodies; start += kBatch) {
        std::vector<BurstRequest> batch;
        for (int i = start; i < std::min(kPromptBodies, start + kBatch); ++i)
            batch.push_back(promptRequest(m, server.url(i % 2 ? "/api/prompt" : "/prompt"), valid, validText));
        const auto statuses = postBurst(batch, kInFlight, kTimeoutMs);
        promptStatuses.insert(promptStatuses.end(), statuses.begin(), statuses.end());
        promptRequests.insert(promptRequests.end(), batch.begin(), batch.end());
        httpPost(server.url("/queue"), R"({"clear": true})");
    }
    expectAnswered(promptStatuses, promptRequests);

    const QByteArray png = pngOf(8, 8);
    std::vector<BurstRequest> uploads;
    for (int i = 0; i < kUploadBodies; ++i) uploads.push_back(uploadRequest(m, server.url(""), png));
    const auto uploadStatuses = postBurst(uploads, kInFlight, kTimeoutMs);
    expectAnswered(uploadStatuses, uploads);
    std::printf("[ fuzz ] %d prompt bodies (%s), %d uploads (%s) in %.1f s\n", kPromptBodies, summary(promptStatuses).c_str(),
                kUploadBodies, summary(uploadStatuses).c_str(), clock.elapsed() / 1000.0);

    // Still up, and still runs a valid prompt to its image.
    ASSERT_TRUE(server.running()) << server.log().toStdString();
    ASSERT_EQ(httpGet(server.url("/prompt")).status, 200);
    httpPost(server.url("/queue"), R"({"clear": true})");
    const HttpReply posted = httpPost(server.url("/prompt"), QByteArray::fromStdString(validBody(424242)));
    ASSERT_EQ(posted.status, 200) << posted.body.toStdString();
    const std::string id = replyJson(posted.body).find("prompt_id")->toString();
    const Json entry = waitForHistory(server, id, 120000);
    ASSERT_FALSE(entry.isNull()) << "the valid prompt after the fuzz did not finish; log:\n" << server.log().toStdString();
    ASSERT_TRUE(entry.find("status") && entry.find("outputs")) << writeJson(entry);
    ASSERT_EQ(entry.find("status")->find("status_str")->toString(), "success") << writeJson(entry);
    const std::string name = entry.find("outputs")->find("7")->find("images")->array().at(0).find("filename")->toString();
    EXPECT_TRUE(QFileInfo(QDir(server.outputDir()).filePath(QString::fromStdString(name))).isFile()) << name;

    // Nothing was written beside the input and output folders.
    const QDir root = QFileInfo(server.outputDir()).dir();
    EXPECT_EQ(root.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList({"input", "output"}));
}

}  // namespace
}  // namespace tessera::test
