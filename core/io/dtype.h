// Element types of tensors stored in weight files, independent of LibTorch so parsers (and
// their fuzzers) need no torch.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace deadiff::io {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::size_t itemSize(DType dtype);

// The safetensors spelling: "F32", "BF16", "I64", "BOOL", ...
std::string_view dtypeName(DType dtype);
std::optional<DType> dtypeFromName(std::string_view name);

} // namespace deadiff::io
