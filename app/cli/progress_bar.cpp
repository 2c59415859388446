#include "app/cli/progress_bar.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace tessera::cli {

ProgressBar::ProgressBar(bool interactive) : interactive_(interactive) {}

std::string ProgressBar::render(const std::string& node, int step, int total, double elapsed, int width) {
    std::ostringstream s;
    s << node << " ";
    if (total > 0) {
        const int filled = static_cast<int>(static_cast<double>(width) * step / total);
        s << "[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << step << "/" << total;
    }
    s << " " << std::fixed << std::setprecision(1) << elapsed << "s";
    if (total > 0 && step > 0) s << " " << std::setprecision(2) << elapsed / step << "s/step";
    return s.str();
}

void ProgressBar::clearLine() {
    if (interactive_ && lineOpen_) std::fputs("\r\033[K", stderr);
    lineOpen_ = false;
}

void ProgressBar::nodeStarted(const std::string& node) {
    node_ = node;
    started_ = std::chrono::steady_clock::now();
    steps_ = 0;
    if (!interactive_) std::fprintf(stderr, "running %s\n", node.c_str());
}

void ProgressBar::step(int step, int total) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    if (steps_ == 0) firstStep_ = now;
    lastStep_ = now;
    steps_ = step;
    const std::string line = render(node_, step, total, elapsed);
    if (interactive_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        lineOpen_ = true;
    } else if (step == total || step == 1) {
        std::fprintf(stderr, "  %s\n", line.c_str());
    }
    std::fflush(stderr);
}

void ProgressBar::nodeFinished(const std::string& node, const std::string& status, double seconds) {
    clearLine();
    std::fprintf(stderr, "%-32s %-7s %6.2fs", node.c_str(), status.c_str(), seconds);
    // Steps after the first: the first one also pays for warming up (weights reordered, buffers made).
    if (steps_ > 1)
        std::fprintf(stderr, "  %d steps, %.3fs/step", steps_,
                     std::chrono::duration<double>(lastStep_ - firstStep_).count() / (steps_ - 1));
    std::fprintf(stderr, "\n");
    steps_ = 0;
}

void ProgressBar::message(const std::string& text) {
    clearLine();
    std::fprintf(stderr, "%s\n", text.c_str());
}

std::string noteLine(const std::string& node, const std::string& text) { return "note: " + node + ": " + text; }

}  // namespace tessera::cli
