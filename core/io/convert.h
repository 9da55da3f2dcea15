// Converting a weight file (a PyTorch .ckpt/.pth/.pt zip checkpoint, or safetensors) to
// safetensors, tensor by tensor: names, dtypes, shapes and bytes are kept. The input is
// memory-mapped and streamed, so memory stays at about one tensor. After a download of a pickle
// checkpoint this runs once, so the file is never unpickled again. Torch-free header (the GUI
// offers the conversion).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace deadiff::io {

struct ConvertProgress {
    std::size_t doneTensors = 0;
    std::size_t totalTensors = 0;
    std::uint64_t doneBytes = 0;
    std::uint64_t totalBytes = 0;
};

struct ConvertSummary {
    std::size_t tensors = 0;
    std::uint64_t bytes = 0;
};

// Called after each tensor is read.
using ConvertCallback = std::function<void(const ConvertProgress&)>;

// Writes `output` atomically (a failure leaves no partial file). The metadata records
// "format": "pt" and "converted_from": the input's file name. Throws io::FormatError for an
// unreadable input and std::runtime_error for a write failure.
ConvertSummary convertToSafetensors(const std::string& input, const std::string& output,
                                    const ConvertCallback& progress = {});

// The bytes of tensor data in a weight file (what a conversion writes, give or take the
// header): for a free-space check before converting.
std::uint64_t tensorBytes(const std::string& path);

} // namespace deadiff::io
