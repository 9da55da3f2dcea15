// The layout of a PyTorch zip checkpoint (torch.save since 1.6: .ckpt, .pth, .pt): which tensors
// its state dict holds and where their bytes lie in the archive. LibTorch-free (fuzzable); the
// tensors themselves come from TorchCheckpoint (torch_checkpoint.h).
#pragma once

#include "core/io/dtype.h"
#include "core/io/zip_archive.h"

#include <cstdint>
#include <string>
#include <vector>

namespace deadiff::io {

struct TorchTensorRecord {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides; // in elements
    std::int64_t storageOffset = 0;    // in elements
    std::size_t storageEntry = 0;      // index into TorchCheckpointLayout::archive.entries()
    std::uint64_t storageNumel = 0;    // elements of `dtype` in the storage

    std::uint64_t numel() const;
    bool contiguous() const;
};

struct TorchCheckpointLayout {
    ZipArchive archive;
    std::string folder;       // the archive's top folder ("archive", or the file's stem)
    std::string stateDictKey; // "" when the pickle is the state dict, else e.g. "state_dict"
    std::vector<TorchTensorRecord> tensors; // in the order the pickle lists them
    std::size_t skippedValues = 0; // non-tensor values beside the tensors (Lightning extras...)
};

// The largest data.pkl accepted: real ones are a few MB even with optimizer state.
constexpr std::uint64_t kMaxCheckpointPickleBytes = 256ull << 20;

// Parses the zip image [data, data + size) and its data.pkl (restricted unpickler), finds the
// state dict (the top-level dict, or the dict under 'state_dict'), and checks every tensor's
// storage entry, offset, size and strides. Throws FormatError naming `nameForErrors`.
TorchCheckpointLayout readTorchCheckpointLayout(const std::uint8_t* data, std::size_t size,
                                                const std::string& nameForErrors);

} // namespace deadiff::io
