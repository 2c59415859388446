#pragma once
// A one-line terminal progress display for `tessera run`: the running node, a bar for its
// steps, elapsed time and time per step. Falls back to plain lines when stderr is not a terminal.
#include <chrono>
#include <string>

namespace tessera::cli {

class ProgressBar {
public:
    explicit ProgressBar(bool interactive);
    void nodeStarted(const std::string& node);
    void step(int step, int total);
    void nodeFinished(const std::string& node, const std::string& status, double seconds);
    void message(const std::string& text);  // a full line above the bar
    // The bar text for a given state, without terminal control codes (tested).
    static std::string render(const std::string& node, int step, int total, double elapsed, int width = 30);

private:
    void clearLine();
    bool interactive_;
    std::string node_;
    std::chrono::steady_clock::time_point started_, firstStep_, lastStep_;
    int steps_ = 0;  // progress steps seen for the running node
    bool lineOpen_ = false;
};

// What a node told the user (ExecEvent::NodeNote), as `tessera run` prints it, quiet or not.
std::string noteLine(const std::string& node, const std::string& text);

}  // namespace tessera::cli
