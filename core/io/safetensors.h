// safetensors (https://github.com/huggingface/safetensors) reading and writing.
//
// Layout: u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the data; offsets are relative to the end of the header.
#pragma once

#include "core/io/dtype.h"
#include "core/io/mapped_file.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::io {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t offset = 0;   // absolute byte offset in the file
    std::uint64_t byteSize = 0; // numel * itemSize
};

struct SafetensorsHeader {
    std::vector<TensorInfo> tensors; // in file order (ascending offset)
    std::map<std::string, std::string> metadata;
};

// Validates and decodes the header of a safetensors image of `size` bytes: JSON well-formed,
// dtypes known, shape x itemsize == byte span, spans inside the file and non-overlapping,
// header length sane. Throws FormatError mentioning `nameForErrors`. Reads only [data, size).
SafetensorsHeader parseSafetensorsHeader(const std::uint8_t* data, std::size_t size,
                                         const std::string& nameForErrors);

class SafetensorsFile {
public:
    // Maps the file and validates its header. Throws FormatError / std::runtime_error.
    static SafetensorsFile open(const std::string& path);

    const std::string& path() const { return file_->path(); }
    const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
    const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
    const TensorInfo* find(const std::string& name) const;
    const std::shared_ptr<MappedFile>& mapping() const { return file_; }

    // A zero-copy tensor viewing the mapped bytes; it keeps the mapping alive. Writing to it
    // modifies a private copy-on-write page, never the file. Throws when `name` is absent.
    torch::Tensor tensor(const std::string& name) const;
    torch::Tensor tensor(const TensorInfo& info) const;

private:
    SafetensorsFile(std::shared_ptr<MappedFile> file, SafetensorsHeader header);

    std::shared_ptr<MappedFile> file_;
    SafetensorsHeader header_;
    std::map<std::string, std::size_t> index_;
};

// One tensor to write. `load` is called once, while writing, so a converter can stream
// tensors one at a time; it must return a tensor of exactly `dtype` and `shape`.
struct SafetensorsEntry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::function<torch::Tensor()> load;
};

// Writes atomically: to a temporary file beside `path`, then renamed over it, so a failure
// (disk full, a throwing `load`) leaves no partial file and any previous file intact.
void writeSafetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                      const std::map<std::string, std::string>& metadata = {});

// Convenience for in-memory tensors (any layout; written contiguous).
void writeSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// LibTorch <-> file dtypes. Throws for dtypes safetensors cannot hold.
c10::ScalarType toScalarType(DType dtype);
DType fromScalarType(c10::ScalarType type);

} // namespace deadiff::io
