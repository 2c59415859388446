#pragma once
// One client of the server load test: a websocket under its own clientId, and a prompt posted
// over HTTP each time its previous one has finished ("executing" with node null), until it has
// run its share. Everything runs on the test's Qt event loop; nothing blocks.
#include "core/io/json.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QString>
#include <QWebSocket>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace tessera::test {

class LoadClient : public QObject {
public:
    // The body of the client's `index`th POST /prompt.
    using PromptBody = std::function<QByteArray(const std::string& clientId, int index)>;

    // `onPromptDone` runs after each of its prompts has finished, `onAllDone` once after the last.
    LoadClient(QString serverUrl, std::string clientId, int prompts, PromptBody body, std::function<void()> onPromptDone,
               std::function<void()> onAllDone);

    void start();  // opens the websocket; the first prompt is posted when the server greets it
    bool allDone() const { return int(finished_.size()) >= prompts_ && int(posted_.size()) >= prompts_; }

    const std::string& clientId() const { return clientId_; }
    const std::vector<std::string>& posted() const { return posted_; }      // prompt ids, in order
    const std::set<std::string>& succeeded() const { return succeeded_; }   // execution_success seen
    const std::set<std::string>& mentioned() const { return mentioned_; }   // every prompt_id its messages named
    const std::vector<std::string>& problems() const { return problems_; }  // refused posts, errors, closes
    int previewFrames() const { return previewFrames_; }

private:
    void onText(const QString& text);
    void postNext();
    void onPosted(const QByteArray& body, int status);
    void finished(const std::string& promptId);

    QString serverUrl_;
    std::string clientId_;
    int prompts_;
    PromptBody body_;
    std::function<void()> onPromptDone_, onAllDone_;
    QNetworkAccessManager http_;
    QWebSocket ws_;
    bool greeted_ = false;
    std::string current_;  // the prompt it waits for; empty while its POST is in flight
    std::vector<std::string> posted_;
    std::set<std::string> finished_, succeeded_, mentioned_;
    std::vector<std::string> problems_;
    int previewFrames_ = 0;
};

}  // namespace tessera::test
