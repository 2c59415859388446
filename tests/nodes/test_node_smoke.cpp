#include "nodes/decl_helpers.h"

#include <gtest/gtest.h>

TEST(NodeHelpers, SeedInputIsAWidget) {
    EXPECT_TRUE(tessera::nodes::seedInput("seed").controlAfterGenerate);
}
