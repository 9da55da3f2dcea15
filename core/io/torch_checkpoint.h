// PyTorch zip checkpoints (.ckpt, .pth, .pt written by torch.save >= 1.6) as named tensors,
// read without Python: the file is memory-mapped, the pickle is read by the restricted
// unpickler (pickle.h), and tensors of stored (uncompressed) entries are zero-copy views.
#pragma once

#include "core/io/mapped_file.h"
#include "core/io/safetensors.h"
#include "core/io/torch_checkpoint_layout.h"

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::io {

class TorchCheckpoint {
public:
    // Throws FormatError / std::runtime_error naming the path.
    static TorchCheckpoint open(const std::string& path);

    const std::string& path() const { return file_->path(); }
    const TorchCheckpointLayout& layout() const { return layout_; }
    // Name, dtype, shape, byteSize = numel * itemSize. `offset` is 0: finding a tensor's bytes
    // means reading its zip local header, which is done only when the tensor is asked for
    // (opening a 7 GB file must not seek through it); use tensor(name).data_ptr().
    const std::vector<TensorInfo>& tensors() const { return infos_; }
    const TensorInfo* find(const std::string& name) const;
    const std::shared_ptr<MappedFile>& mapping() const { return file_; }

    // A view of the mapped file (stored entries) that keeps the mapping alive, with the
    // checkpoint's strides and offset (so tied tensors share memory); a copy for deflated
    // entries. Writing to a view changes a private copy-on-write page, never the file.
    torch::Tensor tensor(const std::string& name) const;

private:
    TorchCheckpoint(std::shared_ptr<MappedFile> file, TorchCheckpointLayout layout);

    std::shared_ptr<MappedFile> file_;
    TorchCheckpointLayout layout_;
    std::vector<TensorInfo> infos_;
    std::map<std::string, std::size_t> index_;
};

} // namespace deadiff::io
