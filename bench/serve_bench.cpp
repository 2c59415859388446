// Figures for `tessera serve`, measured against a running server on a loopback port whose models
// include tiny-sd15.safetensors (tests' refdata), from a client with keep-alive HTTP and one websocket:
//   overhead    one client, a fully cached txt2img (64x64, one step; only SaveImage runs, writing
//               its PNG): per prompt, the round trip (POST /prompt to the websocket's "executing"
//               with node null) minus the execution the server reports (execution_start to
//               execution_success timestamps, ms; averaged over many prompts).
//   preview     one txt2img of --steps steps at --size: at the client, from each step's "progress"
//               message to that step's preview frame (the worker sends the progress when the step
//               ends, then makes the preview), and the websocket's one-way delay while sampling
//               (half the round trip of a feature_flags message, which the server answers at once).
//   throughput  --clients clients posting the cached graph back to back: prompts/s until all ran;
//               with --pid, also the server's CPU time per prompt (user + system, from /proc), which
//               a loaded machine changes less than the wall time.
//   serve_bench PORT [--prompts 300] [--clients 8] [--steps 20] [--size 64] [--pid SERVER_PID]
#include <QCoreApplication>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QWebSocket>

#include "core/io/json.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using namespace tessera;
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0, Clock::time_point t1) { return std::chrono::duration<double, std::milli>(t1 - t0).count(); }

std::string promptBody(int64_t seed, int steps, int size) {
    const std::string s = std::to_string(size);
    return R"({"client_id": "bench", "prompt": {
 "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": )" + s + R"(, "width": )" + s + R"(}},
 "5": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
   "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": )" +
           std::to_string(seed) + R"(, "steps": )" + std::to_string(steps) + R"(}},
 "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
 "7": {"class_type": "SaveImage", "inputs": {"filename_prefix": "bench", "images": ["6", 0]}}}})";
}

// User + system CPU seconds of a process so far, from /proc/PID/stat; 0 without a pid.
double cpuSeconds(int pid) {
    if (pid <= 0) return 0;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (name) "
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; fields >> field && i <= 15; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / double(sysconf(_SC_CLK_TCK));
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
double mean(const std::vector<double>& v) { return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }
double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// The websocket under client id "bench" and what it has heard, by prompt id.
struct Listener {
    QWebSocket ws;
    QEventLoop loop;
    bool greeted = false;
    std::map<std::string, Clock::time_point> done;  // "executing" with node null
    std::map<std::string, int64_t> startMs, successMs;
    std::function<void(const Json&)> onMessage;
    std::function<void()> onFrame;

    Listener() {
        QObject::connect(&ws, &QWebSocket::textMessageReceived, [this](const QString& text) {
            const auto now = Clock::now();
            const Json m = parseJson(text.toStdString(), "a websocket message");
            const std::string type = m.find("type") ? m.find("type")->toString() : "";
            const Json* data = m.find("data");
            if (type == "status" && data && data->find("sid")) greeted = true;
            const std::string id = data && data->find("prompt_id") ? data->find("prompt_id")->toString() : "";
            if (type == "executing" && data->find("node")->isNull()) done[id] = now;
            if (type == "execution_start") startMs[id] = data->find("timestamp")->toInt();
            if (type == "execution_success") successMs[id] = data->find("timestamp")->toInt();
            if (onMessage) onMessage(m);
            loop.quit();
        });
        QObject::connect(&ws, &QWebSocket::binaryMessageReceived, [this](const QByteArray&) {
            if (onFrame) onFrame();
            loop.quit();
        });
    }
    bool waitUntil(const std::function<bool()>& condition, int ms = 120000) {
        QTimer limit;
        limit.setSingleShot(true);
        QObject::connect(&limit, &QTimer::timeout, &loop, &QEventLoop::quit);
        limit.start(ms);
        while (!condition() && limit.isActive()) loop.exec();
        return condition();
    }
};

std::string post(QNetworkAccessManager& http, const QString& base, const std::string& body, Listener& l,
                 Clock::time_point* answered = nullptr) {
    QNetworkRequest request{QUrl(base + "/prompt")};
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    QNetworkReply* reply = http.post(request, QByteArray::fromStdString(body));
    QObject::connect(reply, &QNetworkReply::finished, &l.loop, &QEventLoop::quit);
    l.waitUntil([&] { return reply->isFinished(); });
    if (answered) *answered = Clock::now();
    const QByteArray bytes = reply->readAll();
    reply->deleteLater();
    const Json answer = parseJson(bytes.toStdString(), "the POST /prompt answer");
    if (!answer.find("prompt_id")) {
        std::fprintf(stderr, "POST /prompt refused: %s\n", bytes.constData());
        std::exit(1);
    }
    return answer.find("prompt_id")->toString();
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: serve_bench PORT [--prompts N] [--clients N] [--steps N] [--size N]\n");
        return 2;
    }
    const QString base = QString("http://127.0.0.1:%1").arg(argv[1]);
    int prompts = 300, clients = 8, steps = 20, size = 64, pid = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        const int v = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--prompts")) prompts = v;
        else if (!std::strcmp(argv[i], "--clients")) clients = v;
        else if (!std::strcmp(argv[i], "--steps")) steps = v;
        else if (!std::strcmp(argv[i], "--size")) size = v;
        else if (!std::strcmp(argv[i], "--pid")) pid = v;
    }

    Listener l;
    l.ws.open(QUrl(QString(base).replace("http:", "ws:") + "/ws?clientId=bench"));
    if (!l.waitUntil([&] { return l.greeted; }, 10000)) {
        std::fprintf(stderr, "no websocket greeting from %s\n", qPrintable(base));
        return 1;
    }
    QNetworkAccessManager http;
    const std::string cached = promptBody(1, 1, 64);
    const std::string warm = post(http, base, cached, l);  // loads the model, fills the cache
    l.waitUntil([&] { return l.done.count(warm) > 0; });

    // Overhead per prompt: one client, one prompt at a time.
    std::vector<double> roundTrip, answer, executed;
    for (int i = 0; i < prompts; ++i) {
        const auto t0 = Clock::now();
        Clock::time_point answeredAt;
        const std::string id = post(http, base, cached, l, &answeredAt);
        l.waitUntil([&] { return l.done.count(id) > 0; });
        roundTrip.push_back(msSince(t0, l.done[id]));
        answer.push_back(msSince(t0, answeredAt));
        executed.push_back(double(l.successMs[id] - l.startMs[id]));
    }
    std::printf("overhead: %d cached prompts one at a time: round trip median %.2f ms (mean %.2f, p95 %.2f), "
                "POST answered after %.2f ms, execution (server timestamps) mean %.2f ms -> server overhead %.2f ms per prompt\n",
                prompts, median(roundTrip), mean(roundTrip), percentile(roundTrip, 0.95), median(answer), mean(executed),
                mean(roundTrip) - mean(executed));

    // Sampler step -> preview frame.
    std::vector<Clock::time_point> progressAt, frameAt;
    std::vector<double> wsRoundTrip;
    Clock::time_point pingSent;
    bool pingOut = false;
    std::string previewId;
    l.onMessage = [&](const Json& m) {
        const std::string type = m.find("type")->toString();
        if (type == "feature_flags" && pingOut) {
            wsRoundTrip.push_back(msSince(pingSent, Clock::now()));
            pingOut = false;
        }
        if (type != "progress") return;
        progressAt.push_back(Clock::now());
        frameAt.push_back({});
        if (!pingOut) {
            pingOut = true;
            pingSent = Clock::now();
            l.ws.sendTextMessage(R"({"type": "feature_flags", "data": {}})");
        }
    };
    l.onFrame = [&] {
        if (!frameAt.empty() && frameAt.back() == Clock::time_point{}) frameAt.back() = Clock::now();
    };
    previewId = post(http, base, promptBody(Clock::now().time_since_epoch().count() % 1000000007, steps, size), l);  // a new seed: not cached
    l.waitUntil([&] { return l.done.count(previewId) > 0; });
    l.onMessage = {};
    l.onFrame = {};
    std::vector<double> toFrame, stepGap;
    for (size_t i = 0; i < progressAt.size(); ++i) {
        if (frameAt[i] != Clock::time_point{}) toFrame.push_back(msSince(progressAt[i], frameAt[i]));
        if (i) stepGap.push_back(msSince(progressAt[i - 1], progressAt[i]));
    }
    std::printf("preview: %d steps at %dx%d, %zu frames: progress -> frame median %.2f ms, max %.2f ms; websocket one-way "
                "while sampling median %.2f ms (round trip / 2); step time median %.1f ms\n",
                steps, size, size, toFrame.size(), median(toFrame), toFrame.empty() ? 0 : *std::max_element(toFrame.begin(), toFrame.end()),
                median(wsRoundTrip) / 2, median(stepGap));

    // Throughput: clients posting back to back.
    std::vector<std::unique_ptr<QNetworkAccessManager>> managers;
    std::set<std::string> ids;
    int sent = 0, answered = 0;
    std::function<void(QNetworkAccessManager*)> sendNext = [&](QNetworkAccessManager* m) {
        if (sent >= prompts) return;
        ++sent;
        QNetworkRequest request{QUrl(base + "/prompt")};
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        QNetworkReply* reply = m->post(request, QByteArray::fromStdString(cached));
        QObject::connect(reply, &QNetworkReply::finished, [&, reply, m] {
            ++answered;
            const Json a = parseJson(reply->readAll().toStdString(), "the POST /prompt answer");
            if (a.find("prompt_id")) ids.insert(a.find("prompt_id")->toString());
            reply->deleteLater();
            sendNext(m);
            l.loop.quit();
        });
    };
    const auto t0 = Clock::now();
    const double cpu0 = cpuSeconds(pid);
    for (int c = 0; c < clients; ++c) {
        managers.push_back(std::make_unique<QNetworkAccessManager>());
        sendNext(managers.back().get());
    }
    l.waitUntil([&] {
        if (answered < prompts) return false;
        return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return l.done.count(id) > 0; });
    }, 600000);
    const double seconds = msSince(t0, Clock::now()) / 1000;
    std::printf("throughput: %d cached prompts from %d clients (%zu accepted) in %.2f s: %.0f prompts/s", prompts, clients,
                ids.size(), seconds, double(prompts) / seconds);
    if (pid > 0) std::printf("; server CPU %.2f ms per prompt", 1000 * (cpuSeconds(pid) - cpu0) / prompts);
    std::printf("\n");
    return 0;
}
