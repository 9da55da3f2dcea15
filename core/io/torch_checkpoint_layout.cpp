#include "core/io/torch_checkpoint_layout.h"

#include "core/io/format_error.h"
#include "core/io/pickle.h"

#include <set>

namespace deadiff::io {

std::uint64_t TorchTensorRecord::numel() const {
    std::uint64_t count = 1;
    for (const std::int64_t size : shape)
        count *= static_cast<std::uint64_t>(size);
    return count;
}

bool TorchTensorRecord::contiguous() const {
    std::int64_t expected = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
        if (shape[d] != 1 && strides[d] != expected)
            return false;
        expected *= shape[d];
    }
    return true;
}

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) {
    throw FormatError(name + ": not a readable PyTorch checkpoint: " + what);
}

std::string findFolder(const ZipArchive& archive, const std::string& name) {
    std::string folder;
    bool found = false;
    for (const ZipEntry& entry : archive.entries()) {
        const std::string& path = entry.name;
        const std::size_t slash = path.find('/');
        const bool atRoot = path == "data.pkl";
        const bool inFolder =
            slash != std::string::npos && path.compare(slash, std::string::npos, "/data.pkl") == 0;
        if (!atRoot && !inFolder)
            continue;
        if (found)
            fail(name, "the archive holds more than one data.pkl");
        found = true;
        folder = atRoot ? std::string() : path.substr(0, slash);
    }
    if (!found)
        fail(name, "the zip archive has no data.pkl (not a torch.save file)");
    return folder;
}

std::string joined(const std::string& folder, const std::string& path) {
    return folder.empty() ? path : folder + "/" + path;
}

} // namespace

TorchCheckpointLayout readTorchCheckpointLayout(const std::uint8_t* data, std::size_t size,
                                                const std::string& name) {
    TorchCheckpointLayout layout{ZipArchive::parse(data, size, name), {}, {}, {}, 0};
    const ZipArchive& archive = layout.archive;
    layout.folder = findFolder(archive, name);

    if (const ZipEntry* byteOrder = archive.find(joined(layout.folder, "byteorder"))) {
        const auto bytes = archive.read(*byteOrder, 64);
        if (std::string(bytes.begin(), bytes.end()) != "little")
            fail(name, "tensors are stored big-endian; re-save the file on a little-endian "
                       "machine");
    }

    const ZipEntry& pickleEntry = *archive.find(joined(layout.folder, "data.pkl"));
    const std::vector<std::uint8_t> pickleBytes =
        archive.read(pickleEntry, kMaxCheckpointPickleBytes);
    const PickleDocument document = unpickle(pickleBytes.data(), pickleBytes.size(), name);

    const PickleValue& root = document.root();
    if (root.kind != PickleValue::Kind::Dict)
        fail(name,
             std::string("the pickle holds a ") + kindName(root.kind) + ", not a dict of tensors");
    const PickleValue* stateDict = &root;
    for (const auto& [key, value] : root.entries) {
        if (key->kind == PickleValue::Kind::String && key->text == "state_dict" &&
            value->kind == PickleValue::Kind::Dict) {
            stateDict = value;
            layout.stateDictKey = "state_dict";
            layout.skippedValues = root.entries.size() - 1;
            break;
        }
    }

    std::set<std::string> names;
    for (const auto& [key, value] : stateDict->entries) {
        if (value->kind != PickleValue::Kind::Tensor) {
            ++layout.skippedValues;
            continue;
        }
        if (key->kind != PickleValue::Kind::String)
            fail(name,
                 std::string("a tensor is keyed by a ") + kindName(key->kind) + ", not a string");
        if (!names.insert(key->text).second)
            fail(name, "tensor '" + key->text + "' appears twice");

        const PickleTensor& tensor = *value->tensor;
        const PickleStorage& storage = *tensor.storage;
        const std::string entryName = joined(layout.folder, "data/" + storage.key);
        const ZipEntry* entry = archive.find(entryName);
        if (entry == nullptr)
            fail(name, "tensor '" + key->text + "' needs archive entry '" + entryName +
                           "', which is missing");
        const std::uint64_t bytes = storage.numel * itemSize(storage.dtype);
        if (entry->uncompressedSize != bytes)
            fail(name, "archive entry '" + entryName + "' holds " +
                           std::to_string(entry->uncompressedSize) + " bytes but tensor '" +
                           key->text + "' expects a storage of " + std::to_string(bytes));

        TorchTensorRecord record;
        record.name = key->text;
        record.dtype = storage.dtype;
        record.shape = tensor.shape;
        record.strides = tensor.strides;
        record.storageOffset = tensor.storageOffset;
        record.storageEntry = static_cast<std::size_t>(entry - archive.entries().data());
        record.storageNumel = storage.numel;
        layout.tensors.push_back(std::move(record));
    }
    if (layout.tensors.empty() && !stateDict->entries.empty()) {
        std::string keys;
        for (std::size_t i = 0; i < stateDict->entries.size() && i < 8; ++i) {
            const PickleValue* key = stateDict->entries[i].first;
            keys += (i ? ", " : "") + (key->kind == PickleValue::Kind::String
                                           ? "'" + key->text.substr(0, 60) + "'"
                                           : std::string(kindName(key->kind)));
        }
        fail(name, "no tensors found (top-level keys: " + keys +
                       "); expected a state dict or a 'state_dict' entry");
    }
    return layout;
}

} // namespace deadiff::io
