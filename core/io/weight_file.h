// One entry point for weight files: safetensors or PyTorch zip checkpoints (.ckpt/.pth/.pt),
// recognised by content, not by extension. Tensors are zero-copy views of the mapped file where
// the layout allows.
#pragma once

#include "core/io/safetensors.h"

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::io {

enum class WeightFormat { Safetensors, TorchZip };

const char* formatName(WeightFormat format);

class WeightFile {
public:
    // Throws FormatError naming the file and what is wrong (unknown format, a legacy pre-1.6
    // torch file, truncation, forbidden pickle globals, ...).
    static WeightFile open(const std::string& path);

    const std::string& path() const;
    WeightFormat format() const;
    // For PyTorch checkpoints: "state_dict" when the tensors are nested under that key.
    const std::string& stateDictKey() const;

    // dtype, shape and byteSize are meaningful for every format; offset only for safetensors
    // (0 for PyTorch checkpoints, see TorchCheckpoint::tensors()).
    const std::vector<TensorInfo>& tensors() const;
    const TensorInfo* find(const std::string& name) const;

    // Throws std::runtime_error naming the file when `name` is absent.
    torch::Tensor tensor(const std::string& name) const;

    // The mapped file that zero-copy tensors view (for releasing pages after conversion).
    const std::shared_ptr<MappedFile>& mapping() const;
    // safetensors' __metadata__ strings (e.g. "modelspec.prediction_type"); empty for PyTorch
    // checkpoints.
    const std::map<std::string, std::string>& metadata() const;

    class Source;

private:
    explicit WeightFile(std::shared_ptr<const Source> source);
    std::shared_ptr<const Source> source_;
};

} // namespace deadiff::io
