#include "core/io/torch_checkpoint.h"

#include "core/io/format_error.h"

#include <torch/torch.h>

namespace deadiff::io {

TorchCheckpoint::TorchCheckpoint(std::shared_ptr<MappedFile> file, TorchCheckpointLayout layout)
    : file_(std::move(file))
    , layout_(std::move(layout)) {
    infos_.reserve(layout_.tensors.size());
    for (const TorchTensorRecord& record : layout_.tensors) {
        TensorInfo info;
        info.name = record.name;
        info.dtype = record.dtype;
        info.shape = record.shape;
        info.byteSize = record.numel() * itemSize(record.dtype);
        index_.emplace(info.name, infos_.size());
        infos_.push_back(std::move(info));
    }
}

TorchCheckpoint TorchCheckpoint::open(const std::string& path) {
    auto file = MappedFile::open(path);
    auto layout = readTorchCheckpointLayout(file->data(), file->size(), path);
    return TorchCheckpoint(std::move(file), std::move(layout));
}

const TensorInfo* TorchCheckpoint::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &infos_[it->second];
}

torch::Tensor TorchCheckpoint::tensor(const std::string& name) const {
    const auto it = index_.find(name);
    if (it == index_.end())
        throw std::runtime_error(path() + ": no tensor named '" + name + "'");
    const TorchTensorRecord& record = layout_.tensors[it->second];
    const ZipEntry& entry = layout_.archive.entries()[record.storageEntry];
    const auto options = torch::dtype(toScalarType(record.dtype));
    if (record.numel() == 0)
        return torch::empty(record.shape, options);

    if (entry.method == ZipEntry::Method::Stored) {
        auto keepAlive = file_;
        auto* storage = const_cast<std::uint8_t*>(layout_.archive.storedData(entry));
        auto* first =
            storage + static_cast<std::uint64_t>(record.storageOffset) * itemSize(record.dtype);
        return torch::from_blob(
            first, record.shape, record.strides, [keepAlive](void*) {}, options);
    }
    // Compressed storage (a re-zipped file): inflate the whole storage, then view it.
    torch::Tensor storage = torch::empty({static_cast<std::int64_t>(record.storageNumel)}, options);
    layout_.archive.readInto(entry, static_cast<std::uint8_t*>(storage.data_ptr()));
    return storage.as_strided(record.shape, record.strides, record.storageOffset);
}

} // namespace deadiff::io
