#include "core/io/convert.h"

#include "core/io/weight_file.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <utility>
#include <vector>

namespace deadiff::io {

std::uint64_t tensorBytes(const std::string& path) {
    std::uint64_t total = 0;
    for (const TensorInfo& info : WeightFile::open(path).tensors())
        total += info.byteSize;
    return total;
}

ConvertSummary convertToSafetensors(const std::string& input, const std::string& output,
                                    const ConvertCallback& progress) {
    const WeightFile file = WeightFile::open(input);
    ConvertProgress state;
    state.totalTensors = file.tensors().size();
    for (const TensorInfo& info : file.tensors())
        state.totalBytes += info.byteSize;

    // The previous tensor has been written when the next is loaded: its mapped pages can go, so
    // resident memory stays at about one tensor instead of growing with the file.
    const MappedFile& mapping = *file.mapping();
    std::pair<std::uintptr_t, std::size_t> written{0, 0};
    auto releaseWritten = [&] {
        const auto base = reinterpret_cast<std::uintptr_t>(mapping.data());
        if (written.second > 0 && written.first >= base &&
            written.first + written.second <= base + mapping.size())
            mapping.releasePages(written.first - base, written.second);
        written = {0, 0};
    };
    std::vector<SafetensorsEntry> entries;
    for (const TensorInfo& info : file.tensors()) {
        entries.push_back(
            {info.name, info.dtype, info.shape, [&] {
                 releaseWritten();
                 torch::Tensor tensor = file.tensor(info.name);
                 if (tensor.is_contiguous())
                     written = {reinterpret_cast<std::uintptr_t>(tensor.data_ptr()), info.byteSize};
                 state.doneBytes += info.byteSize;
                 ++state.doneTensors;
                 if (progress)
                     progress(state);
                 return tensor;
             }});
    }
    const std::map<std::string, std::string> metadata{
        {"format", "pt"}, {"converted_from", std::filesystem::path(input).filename().string()}};
    writeSafetensors(output, entries, metadata);
    releaseWritten();
    return {state.totalTensors, state.totalBytes};
}

} // namespace deadiff::io
