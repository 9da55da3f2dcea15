#include "core/io/dtype.h"

#include <array>
#include <utility>

namespace deadiff::io {
namespace {

struct DTypeRow {
    DType dtype;
    std::string_view name;
    std::size_t size;
};

constexpr std::array<DTypeRow, 10> kTable{{
    {DType::F64, "F64", 8},
    {DType::F32, "F32", 4},
    {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
}};

const DTypeRow& row(DType dtype) {
    for (const DTypeRow& entry : kTable)
        if (entry.dtype == dtype)
            return entry;
    return kTable[1];
}

} // namespace

std::size_t itemSize(DType dtype) {
    return row(dtype).size;
}

std::string_view dtypeName(DType dtype) {
    return row(dtype).name;
}

std::optional<DType> dtypeFromName(std::string_view name) {
    for (const DTypeRow& entry : kTable)
        if (entry.name == name)
            return entry.dtype;
    return std::nullopt;
}

} // namespace deadiff::io
