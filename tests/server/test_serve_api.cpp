// `tessera serve` driven over real HTTP and a real websocket on a loopback port.
#include "tests/cli/cli_runner.h"
#include "tests/server/server_harness.h"
#include "tests/support/file_size_limit.h"

#include "core/io/json.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <QWebSocket>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace tessera::test {
namespace {

std::string txt2imgPrompt(const std::string& prefix, int64_t seed) {
    return R"({"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
 "sampler": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
   "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": )" +
           std::to_string(seed) + R"(, "steps": 2}},
 "8": {"class_type": "VAEDecode", "inputs": {"samples": ["sampler", 0], "vae": ["1", 2]}},
 "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": ")" + prefix + R"(", "images": ["8", 0]}}})";
}

QStringList modelArgs() { return {"--models", QString::fromStdString(refdataModelsDir())}; }


TEST(ServeApi, Txt2imgOverHttpAndWebSocketReportsProgressPreviewsAndOutput) {
    ServerProcess server(modelArgs());
    ASSERT_TRUE(server.started()) << server.log().toStdString();

    QWebSocket ws;
    WsLog log;
    bool finished = false;
    std::string promptId;
    QEventLoop loop;
    QObject::connect(&ws, &QWebSocket::textMessageReceived, [&](const QString& text) {
        log.texts.push_back(text.toUtf8());
        const Json m = replyJson(text.toUtf8());
        const Json* data = m.find("data");
        if (m.find("type")->toString() == "executing" && data->find("node")->isNull() &&
            data->find("prompt_id") && data->find("prompt_id")->toString() == promptId)
            finished = true, loop.quit();
        if (m.find("type")->toString() == "status" && data->find("sid")) loop.quit();
    });
    QObject::connect(&ws, &QWebSocket::binaryMessageReceived, [&](const QByteArray& b) { log.binaries.push_back(b); });
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    ws.open(QUrl(server.url("/ws?clientId=test-client").replace("http:", "ws:")));
    loop.exec();  // the status message with our sid
    ASSERT_FALSE(log.texts.empty()) << "no status message on connect";

    const std::string body = R"({"client_id": "test-client", "prompt": )" + txt2imgPrompt("served", 9007199254740993) + "}";
    const HttpReply posted = httpPost(server.url("/prompt"), QByteArray::fromStdString(body));
    ASSERT_EQ(posted.status, 200) << posted.body.toStdString();
    const Json answer = replyJson(posted.body);
    promptId = answer.find("prompt_id")->toString();
    ASSERT_FALSE(promptId.empty());
    EXPECT_TRUE(answer.find("node_errors")->object().empty());

    QEventLoop wait;
    QTimer::singleShot(120000, &loop, &QEventLoop::quit);
    if (!finished) loop.exec();
    ASSERT_TRUE(finished) << "no 'executing' with node null; server log:\n" << server.log().toStdString();

    std::vector<std::string> types;
    bool progressOnSampler = false, executedSave = false;
    for (const auto& t : log.texts) {
        const Json m = replyJson(t);
        types.push_back(m.find("type")->toString());
        const Json* data = m.find("data");
        if (types.back() == "progress" && data->find("node")->toString() == "sampler" && data->find("max")->toInt() == 2)
            progressOnSampler = true;
        if (types.back() == "executed" && data->find("node")->toString() == "9")
            executedSave = !data->find("output")->find("images")->array().empty();
    }
    auto seen = [&](const char* type) { return std::find(types.begin(), types.end(), type) != types.end(); };
    EXPECT_TRUE(seen("execution_start"));
    EXPECT_TRUE(seen("execution_cached"));
    EXPECT_TRUE(seen("execution_success"));
    EXPECT_TRUE(progressOnSampler) << "progress events carry the prompt's own node id";
    EXPECT_TRUE(executedSave);
    ASSERT_FALSE(log.binaries.empty()) << "no preview frames while sampling";
    const QByteArray& frame = log.binaries.front();
    ASSERT_GT(frame.size(), 10);
    EXPECT_EQ(frame.left(8), QByteArray("\0\0\0\1\0\0\0\1", 8)) << "event type 1, image type 1 (JPEG), big-endian";
    EXPECT_EQ(uchar(frame[8]), 0xFF);
    EXPECT_EQ(uchar(frame[9]), 0xD8);

    const HttpReply history = httpGet(server.url("/api/history/" + QString::fromStdString(promptId)));
    ASSERT_EQ(history.status, 200);
    const Json entry = *replyJson(history.body).find(promptId);
    EXPECT_EQ(entry.find("status")->find("status_str")->toString(), "success");
    const Json& image = entry.find("outputs")->find("9")->find("images")->array().at(0);
    EXPECT_EQ(image.find("type")->toString(), "output");
    // The seed beyond 2^53 survived exactly into the queue item.
    EXPECT_EQ(entry.find("prompt")->array().at(2).find("sampler")->find("inputs")->find("seed")->toInt(), 9007199254740993);

    const HttpReply png = httpGet(server.url("/view?type=output&filename=" + QString::fromStdString(image.find("filename")->toString())));
    ASSERT_EQ(png.status, 200);
    const cv::Mat decoded = cv::imdecode(cv::Mat(1, int(png.body.size()), CV_8U, const_cast<char*>(png.body.constData())), cv::IMREAD_COLOR);
    EXPECT_EQ(decoded.cols, 64);
    EXPECT_EQ(decoded.rows, 64);
    EXPECT_TRUE(QDir(server.outputDir()).exists(QString::fromStdString(image.find("filename")->toString())));
}

TEST(ServeApi, BadRequestsGetFourHundredsAndTheServerStaysUp) {
    ServerProcess server(modelArgs());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    EXPECT_EQ(httpPost(server.url("/prompt"), "{not json").status, 400);
    EXPECT_EQ(httpPost(server.url("/prompt"), "{}").status, 400);
    const HttpReply unknown = httpPost(server.url("/prompt"), R"({"prompt": {"1": {"class_type": "NoSuchNode", "inputs": {}}}})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(replyJson(unknown.body).find("error")->find("type")->toString(), "invalid_prompt");

    std::string wrongSteps = txt2imgPrompt("x", 1);
    wrongSteps.replace(wrongSteps.find("\"steps\": 2"), 10, "\"steps\": 0");
    const HttpReply invalid = httpPost(server.url("/prompt"), QByteArray::fromStdString(R"({"prompt": )" + wrongSteps + "}"));
    ASSERT_EQ(invalid.status, 400) << invalid.body.toStdString();
    const Json errors = replyJson(invalid.body);
    EXPECT_EQ(errors.find("error")->find("type")->toString(), "prompt_outputs_failed_validation");
    const Json* samplerErrors = errors.find("node_errors")->find("sampler");
    ASSERT_TRUE(samplerErrors) << invalid.body.toStdString();
    EXPECT_EQ(samplerErrors->find("errors")->array().at(0).find("type")->toString(), "value_smaller_than_min");
    EXPECT_EQ(samplerErrors->find("class_type")->toString(), "KSampler");

    EXPECT_EQ(httpGet(server.url("/view?filename=../secret.txt")).status, 400);
    EXPECT_EQ(httpGet(server.url("/view?filename=x.png&subfolder=/etc")).status, 400);
    EXPECT_EQ(httpGet(server.url("/view?filename=missing.png")).status, 404);
    EXPECT_EQ(httpPost(server.url("/upload/image"), "garbage", "multipart/form-data; boundary=XX").status, 400);

    const HttpReply info = httpGet(server.url("/object_info/KSampler"));
    ASSERT_EQ(info.status, 200);
    const Json ks = *replyJson(info.body).find("KSampler");
    EXPECT_EQ(ks.find("input_order")->find("required")->array().at(0).toString(), "model");
    EXPECT_EQ(ks.find("output")->array().at(0).toString(), "LATENT");
    EXPECT_EQ(httpGet(server.url("/api/object_info")).status, 200);
    EXPECT_EQ(httpGet(server.url("/prompt")).status, 200) << "still up after the bad requests";
}

TEST(ServeApi, UploadedImageIsDecodedNamedWithoutOverwriteAndViewable) {
    ServerProcess server(modelArgs());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30)), png);
    auto upload = [&](const QByteArray& bytes) {
        QByteArray body = "--BOUNDARY\r\nContent-Disposition: form-data; name=\"image\"; filename=\"pic.png\"\r\n"
                          "Content-Type: image/png\r\n\r\n" + bytes +
                          "\r\n--BOUNDARY\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ninput\r\n--BOUNDARY--\r\n";
        return httpPost(server.url("/upload/image"), body, "multipart/form-data; boundary=BOUNDARY");
    };
    const QByteArray first(reinterpret_cast<const char*>(png.data()), qsizetype(png.size()));
    const HttpReply a = upload(first);
    ASSERT_EQ(a.status, 200) << a.body.toStdString();
    EXPECT_EQ(replyJson(a.body).find("name")->toString(), "pic.png");
    cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(99, 20, 30)), png);
    const HttpReply b = upload(QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size())));
    ASSERT_EQ(b.status, 200);
    EXPECT_EQ(replyJson(b.body).find("name")->toString(), "pic (1).png") << "a different image never overwrites";
    EXPECT_EQ(upload("not an image").status, 400);
    const HttpReply view = httpGet(server.url("/view?type=input&filename=pic.png"));
    ASSERT_EQ(view.status, 200);
    EXPECT_EQ(view.body, first);
}

TEST(ServeApi, WhatNodesTellTheUserGoesToTheHistoryAndTheLog) {
    ServerProcess server(modelArgs());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    ASSERT_TRUE(cv::imwrite(QDir(server.inputDir()).filePath("odd.png").toStdString(),
                            cv::Mat(13, 21, CV_8UC3, cv::Scalar(10, 20, 30))));
    const std::string prompt = R"({"prompt": {
 "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "load": {"class_type": "LoadImage", "inputs": {"image": "odd.png"}},
 "enc": {"class_type": "VAEEncode", "inputs": {"pixels": ["load", 0], "vae": ["1", 2]}},
 "dec": {"class_type": "VAEDecode", "inputs": {"samples": ["enc", 0], "vae": ["1", 2]}},
 "save": {"class_type": "SaveImage", "inputs": {"filename_prefix": "odd", "images": ["dec", 0]}}}})";
    const HttpReply posted = httpPost(server.url("/prompt"), QByteArray::fromStdString(prompt));
    ASSERT_EQ(posted.status, 200) << posted.body.toStdString();
    const std::string id = replyJson(posted.body).find("prompt_id")->toString();
    const Json entry = waitForHistory(server, id, 60000);
    ASSERT_FALSE(entry.isNull()) << server.log().toStdString();
    ASSERT_EQ(entry.find("status")->find("status_str")->toString(), "success") << server.log().toStdString();
    const std::string want =
        "the image is 21x13 pixels and the VAE takes multiples of 8: its centre 16x8 was used, as ComfyUI does";
    int notes = 0;
    for (const Json& m : entry.find("status")->find("messages")->array()) {
        if (m.array().at(0).toString() != "tessera_note") continue;
        ++notes;
        EXPECT_EQ(m.array().at(1).find("node")->toString(), "enc");
        EXPECT_EQ(m.array().at(1).find("text")->toString(), want);
        EXPECT_EQ(m.array().at(1).find("prompt_id")->toString(), id);
    }
    EXPECT_EQ(notes, 1);
    const QString line = QString::fromStdString("note: prompt " + id + ", node enc: " + want);
    QString log;
    QElapsedTimer clock;
    clock.start();
    while (!log.contains(line) && clock.elapsed() < 10000) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        log += server.log();
    }
    EXPECT_TRUE(log.contains(line)) << log.toStdString();
}

TEST(ServeApi, AnUploadOntoAFullDiskFailsCleanlyAndTheServerGoesOn) {
    std::unique_ptr<ServerProcess> server;
    {
        tessera::test::FileSizeLimit full(16 * 1024);  // inherited by the server: files past 16 KiB fail like a full disk
        server = std::make_unique<ServerProcess>(modelArgs());
    }
    ASSERT_TRUE(server->started()) << server->log().toStdString();
    cv::Mat noise(128, 128, CV_8UC3);
    cv::randu(noise, 0, 255);
    std::vector<uchar> big, small;
    cv::imencode(".png", noise, big);
    cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), small);
    auto upload = [&](const std::vector<uchar>& png) {
        QByteArray body = "--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"pic.png\"\r\n"
                          "Content-Type: image/png\r\n\r\n" +
                          QByteArray(reinterpret_cast<const char*>(png.data()), qsizetype(png.size())) + "\r\n--B--\r\n";
        return httpPost(server->url("/upload/image"), body, "multipart/form-data; boundary=B");
    };
    const HttpReply failed = upload(big);
    EXPECT_EQ(failed.status, 500);
    EXPECT_NE(failed.body.indexOf("could not save '" + server->inputDir().toUtf8() + "/pic.png': File too large"), -1)
        << failed.body.toStdString();
    EXPECT_EQ(QDir(server->inputDir()).entryList(QDir::Files | QDir::Hidden), QStringList{}) << "nothing half-written";
    const HttpReply ok = upload(small);
    EXPECT_EQ(ok.status, 200) << ok.body.toStdString();
    EXPECT_EQ(QDir(server->inputDir()).entryList(QDir::Files | QDir::Hidden), QStringList{"pic.png"});
}

TEST(ServeApi, TokenIsRequiredOnRoutesAndWebSocket) {
    ServerProcess server({"--token", "s3cret"});
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    EXPECT_EQ(httpGet(server.url("/prompt")).status, 401);
    EXPECT_EQ(httpGet(server.url("/prompt"), "Bearer wrong").status, 401);
    EXPECT_EQ(httpGet(server.url("/api/prompt"), "Bearer s3cret").status, 200);

    QWebSocket ws;
    bool gotText = false;
    QEventLoop loop;
    QObject::connect(&ws, &QWebSocket::textMessageReceived, [&](const QString&) { gotText = true; loop.quit(); });
    QObject::connect(&ws, &QWebSocket::disconnected, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    ws.open(QUrl(server.url("/ws?clientId=x").replace("http:", "ws:")));
    loop.exec();
    EXPECT_FALSE(gotText) << "the websocket without the token got messages";
}

}  // namespace
}  // namespace tessera::test
