#pragma once
// Where the time of one call goes, by libtorch operator: runs `f` under libtorch's (legacy) autograd
// profiler and prints to stderr the operators with the most self time (their own time, children
// excluded) on the calling thread, with call counts. Work done outside any operator (our own loops,
// called between libtorch ops) shows as the call's total minus the sum of the top-level operators.
// For benchmarks only: the profiler adds a few microseconds per operator.
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tessera::bench {

// `byShape`: an operator whose calls are also listed by their input shapes.
inline void printOperatorProfile(const std::function<void()>& f, int rows = 25,
                                 const std::string& byShape = "aten::copy_") {
    namespace prof = torch::autograd::profiler;
    prof::enableProfilerLegacy(
        torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU, /*report_input_shapes=*/true));
    f();
    const prof::thread_event_lists lists = prof::disableProfilerLegacy();

    struct Total {
        double selfUs = 0;
        long calls = 0;
    };
    std::map<std::string, Total> totals;
    double topLevelUs = 0, spanUs = 0;
    for (const auto& events : lists) {
        struct Open {
            const prof::LegacyEvent* push;
            double childUs;
        };
        std::vector<Open> stack;
        const prof::LegacyEvent* first = nullptr;
        const prof::LegacyEvent* last = nullptr;
        for (const auto& e : events) {
            if (e.kind() == prof::EventKind::PushRange) {
                if (!first) first = &e;
                stack.push_back({&e, 0.0});
            } else if (e.kind() == prof::EventKind::PopRange && !stack.empty()) {
                last = &e;
                const Open open = stack.back();
                stack.pop_back();
                const double us = open.push->cpuElapsedUs(e);
                Total& t = totals[open.push->name()];
                t.selfUs += us - open.childUs;
                ++t.calls;
                if (open.push->name() == byShape) {
                    std::string key = byShape;
                    for (const auto& shape : open.push->shapes()) key += " " + std::string(c10::str(at::IntArrayRef(shape)));
                    Total& detail = totals[key];
                    detail.selfUs += us - open.childUs;
                    ++detail.calls;
                }
                if (stack.empty()) topLevelUs += us;
                else stack.back().childUs += us;
            }
        }
        if (first && last) spanUs = std::max(spanUs, first->cpuElapsedUs(*last));
    }
    std::vector<std::pair<std::string, Total>> sorted(totals.begin(), totals.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.selfUs > b.second.selfUs; });
    std::fprintf(stderr, "operator profile: %.3f s in top-level operators over a %.3f s span\n", topLevelUs * 1e-6,
                 spanUs * 1e-6);
    for (int i = 0; i < rows && i < int(sorted.size()); ++i)
        std::fprintf(stderr, "  %-40s %8.3f s self %6ld calls\n", sorted[size_t(i)].first.c_str(),
                     sorted[size_t(i)].second.selfUs * 1e-6, sorted[size_t(i)].second.calls);
}

}  // namespace tessera::bench
