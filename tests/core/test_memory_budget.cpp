#include "core/common/error.h"
#include "core/exec/executor.h"
#include "core/exec/memory_budget.h"
#include "tests/core/event_log.h"
#include "tests/core/test_nodes.h"
#include "tests/support/memory_limit_for_test.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace tessera;

namespace {

std::string requireMessage(uint64_t bytes, const std::string& what) {
    try {
        requireMemory(bytes, what);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(MemoryBudget, ParsesAndFormatsSizes) {
    EXPECT_EQ(parseByteSize("123"), 123u);
    EXPECT_EQ(parseByteSize("64K"), 64u << 10);
    EXPECT_EQ(parseByteSize("512M"), 512u << 20);
    EXPECT_EQ(parseByteSize("2G"), uint64_t(2) << 30);
    EXPECT_EQ(parseByteSize("20000000T"), UINT64_MAX);
    EXPECT_EQ(parseByteSize(""), std::nullopt);
    EXPECT_EQ(parseByteSize("12Q"), std::nullopt);
    EXPECT_EQ(parseByteSize("-5"), std::nullopt);
    EXPECT_EQ(parseByteSize("lots"), std::nullopt);
    EXPECT_EQ(formatBytes(900), "900 bytes");
    EXPECT_EQ(formatBytes(1536), "1.5 KiB");
    EXPECT_EQ(formatBytes(uint64_t(4) << 30), "4.0 GiB");
}

TEST(MemoryBudget, TensorSizesSaturateInsteadOfOverflowing) {
    EXPECT_EQ(tensorBytes({64, 4, 2048, 2048}, 4), uint64_t(4) << 30);
    EXPECT_EQ(tensorBytes({1 << 30, 1 << 30, 1 << 30}, 4), UINT64_MAX);
    EXPECT_EQ(tensorBytes({3, 0, 7}, 4), 0u);
    EXPECT_EQ(addBytes(UINT64_MAX - 1, 5), UINT64_MAX);
    EXPECT_EQ(mulBytes(uint64_t(1) << 40, uint64_t(1) << 40), UINT64_MAX);
}

TEST(MemoryBudget, TheSystemReportsSomeMemory) {
    const MemoryLimit limit = availableMemory();
    EXPECT_GT(limit.bytes, uint64_t(1) << 20) << limit.source;
    EXPECT_NE(limit.bytes, UINT64_MAX) << "MemAvailable should be readable on Linux";
}

TEST(MemoryBudget, RefusesWhatDoesNotFitAndSaysWhy) {
    test::MemoryLimitForTest limit(uint64_t(1) << 20);
    EXPECT_EQ(requireMessage(1 << 20, "exactly the limit"), "");
    EXPECT_EQ(requireMessage(uint64_t(4) << 30, "a 64x4x2048x2048 latent"),
              "needs about 4.0 GiB for a 64x4x2048x2048 latent, but only 1.0 MiB is available (the memory limit set "
              "for this run); use a smaller size or batch");
}

TEST(MemoryBudget, EnvironmentLimitApplies) {
    ::setenv("TESSERA_MEMORY_LIMIT", "3M", 1);
    const MemoryLimit limit = availableMemory();
    ::unsetenv("TESSERA_MEMORY_LIMIT");
    EXPECT_EQ(limit.bytes, 3u << 20);
    EXPECT_EQ(limit.source, "TESSERA_MEMORY_LIMIT");
}

TEST(MemoryBudget, AllocationFailuresAreReportedPerNodeAndUpstreamResultsSurvive) {
    test::TestNodes nodes;
    Executor executor{nodes.registry};
    Graph graph;
    Environment env;
    test::EventLog log;
    const NodeId a = graph.addNode("Constant").id, d = graph.addNode("Double").id, f = graph.addNode("OutOfMemory").id,
                 r = graph.addNode("Record").id;
    graph.node(a)->widgets["value"] = 5;
    graph.connect(a, 0, d, "x");
    graph.connect(d, 0, f, "x");
    graph.connect(f, 0, r, "value");

    graph.node(f)->widgets["mode"] = "bad_alloc";
    RunResult result = executor.run(graph, env, log.observer());
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.failedNode, f);
    EXPECT_EQ(result.message,
              "OutOfMemory #3: ran out of memory (std::bad_alloc); use a smaller image or batch, tiled VAE decoding, or fewer "
              "models loaded at once");

    graph.node(f)->widgets["mode"] = "torch_oom";
    result = executor.run(graph, env, log.observer());
    EXPECT_EQ(result.message,
              "OutOfMemory #3: ran out of memory ([enforce fail at alloc_cpu.cpp:73] . DefaultCPUAllocator: can't allocate "
              "memory: you tried to allocate 68719476736 bytes. Error code 12 (Cannot allocate memory)); use a smaller "
              "image or batch, tiled VAE decoding, or fewer models loaded at once");
    const auto failed = log.of(ExecEvent::Kind::NodeFailed);
    ASSERT_EQ(failed.size(), 2u);
    EXPECT_EQ(failed[1].node, f);

    graph.node(f)->widgets["mode"] = "ok";
    result = executor.run(graph, env, log.observer());
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.recorded(r).toInt(), 10);
    EXPECT_EQ(nodes.runs(d), 1);  // computed once, kept through both failures
}
