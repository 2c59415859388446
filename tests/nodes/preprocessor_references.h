#pragma once
// The preprocessors' reference images (tests/fixtures/preprocessors/*.u8, written by
// make_references.py and make_depth_references.py): raw 64x128 RGB bytes.
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace tessera::test {

constexpr int64_t kPreprocessorRefH = 64, kPreprocessorRefW = 128;

// One reference as [64, 128, 3] uint8; a file of another size fails the test that reads it.
inline at::Tensor preprocessorReference(const std::string& name) {
    const std::string path = sourceDir() + "/tests/fixtures/preprocessors/" + name + ".u8";
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t size = size_t(kPreprocessorRefH * kPreprocessorRefW * 3);
    EXPECT_EQ(bytes.size(), size) << path;
    bytes.resize(size);
    return at::from_blob(bytes.data(), {kPreprocessorRefH, kPreprocessorRefW, 3}, at::kByte).clone();
}

}  // namespace tessera::test
