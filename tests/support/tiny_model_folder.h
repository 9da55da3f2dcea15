// Writing the tiny test model folder (tiny_model.h) without LibTorch's headers: for the Qt test
// files, where Qt's keyword macros and LibTorch's headers do not mix.
#pragma once

#include <cstdint>
#include <string>

namespace deadiff::test {

// Writes the folder `dir` (created) with weights drawn from torch::manual_seed(seed); returns
// the path of its model.json. The same seed writes the same weights. Sizes: tiny_model.h.
std::string writeTinyModel(const std::string& dir, std::uint64_t seed = 0);

} // namespace deadiff::test
