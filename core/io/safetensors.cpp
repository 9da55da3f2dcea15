#include "core/io/safetensors.h"

#include "core/io/bytes.h"

#include "core/io/atomic_file.h"
#include "core/io/format_error.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <limits>

namespace deadiff::io {
namespace {

// The reference implementation refuses headers above 100 MB; real files have < 1 MB.
constexpr std::uint64_t kMaxHeaderBytes = 100u * 1024u * 1024u;
constexpr int kMaxRank = 16;

[[noreturn]] void fail(const std::string& name, const std::string& what) {
    throw FormatError(name + ": not a valid safetensors file: " + what);
}

std::uint64_t checkedUnsigned(const nlohmann::json& value, const std::string& name,
                              const std::string& what) {
    if (!value.is_number_unsigned()) {
        if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
            return static_cast<std::uint64_t>(value.get<std::int64_t>());
        fail(name, what + " must be a non-negative integer");
    }
    return value.get<std::uint64_t>();
}

TensorInfo parseEntry(const std::string& key, const nlohmann::json& entry, std::uint64_t dataBase,
                      std::uint64_t dataSize, const std::string& name) {
    const std::string where = "tensor '" + key + "'";
    if (!entry.is_object())
        fail(name, where + " is not an object");
    const auto dtypeIt = entry.find("dtype");
    const auto shapeIt = entry.find("shape");
    const auto offsetsIt = entry.find("data_offsets");
    if (dtypeIt == entry.end() || shapeIt == entry.end() || offsetsIt == entry.end())
        fail(name, where + " lacks dtype, shape or data_offsets");
    if (!dtypeIt->is_string())
        fail(name, where + ": dtype is not a string");
    const auto dtype = dtypeFromName(dtypeIt->get<std::string>());
    if (!dtype)
        fail(name, where + ": unsupported dtype '" + dtypeIt->get<std::string>() + "'");
    if (!shapeIt->is_array() || shapeIt->size() > kMaxRank)
        fail(name, where + ": shape must be an array of at most 16 dimensions");
    if (!offsetsIt->is_array() || offsetsIt->size() != 2)
        fail(name, where + ": data_offsets must be [begin, end]");

    TensorInfo info;
    info.name = key;
    info.dtype = *dtype;
    std::uint64_t numel = 1;
    for (const auto& dim : *shapeIt) {
        const std::uint64_t size = checkedUnsigned(dim, name, where + ": a shape dimension");
        if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
            (size != 0 && numel > std::numeric_limits<std::uint64_t>::max() / size))
            fail(name, where + ": shape overflows");
        numel *= size;
        info.shape.push_back(static_cast<std::int64_t>(size));
    }
    const std::uint64_t item = itemSize(info.dtype);
    if (numel > std::numeric_limits<std::uint64_t>::max() / item)
        fail(name, where + ": shape overflows");
    const std::uint64_t begin = checkedUnsigned((*offsetsIt)[0], name, where + ": data offset");
    const std::uint64_t end = checkedUnsigned((*offsetsIt)[1], name, where + ": data offset");
    if (begin > end || end > dataSize)
        fail(name, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                       "] lie outside the " + std::to_string(dataSize) +
                       " data bytes (truncated file?)");
    if (end - begin != numel * item)
        fail(name, where + ": " + std::to_string(end - begin) + " bytes stored but shape x " +
                       std::string(dtypeName(info.dtype)) + " needs " +
                       std::to_string(numel * item));
    info.offset = dataBase + begin;
    info.byteSize = end - begin;
    return info;
}

} // namespace

SafetensorsHeader parseSafetensorsHeader(const std::uint8_t* data, std::size_t size,
                                         const std::string& name) {
    if (size < 8)
        fail(name, "only " + std::to_string(size) + " bytes");
    const std::uint64_t headerSize = readLittleEndian64(data);
    if (headerSize < 2 || headerSize > kMaxHeaderBytes)
        fail(name, "header length " + std::to_string(headerSize) + " is implausible");
    if (headerSize > size - 8)
        fail(name, "header length " + std::to_string(headerSize) + " exceeds the file (" +
                       std::to_string(size) + " bytes; truncated?)");
    const auto* headerBegin = reinterpret_cast<const char*>(data + 8);
    if (headerBegin[0] != '{')
        fail(name, "header is not a JSON object");

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(headerBegin, headerBegin + headerSize);
    } catch (const nlohmann::json::exception& error) {
        fail(name, std::string("header JSON: ") + error.what());
    }
    if (!header.is_object())
        fail(name, "header is not a JSON object");

    const std::uint64_t dataBase = 8 + headerSize;
    const std::uint64_t dataSize = size - dataBase;
    SafetensorsHeader result;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it->is_object())
                fail(name, "__metadata__ is not an object");
            for (auto meta = it->begin(); meta != it->end(); ++meta) {
                if (!meta->is_string())
                    fail(name, "__metadata__ value '" + meta.key() + "' is not a string");
                result.metadata[meta.key()] = meta->get<std::string>();
            }
            continue;
        }
        result.tensors.push_back(parseEntry(it.key(), *it, dataBase, dataSize, name));
    }

    std::sort(result.tensors.begin(), result.tensors.end(),
              [](const TensorInfo& a, const TensorInfo& b) {
                  return a.offset != b.offset ? a.offset < b.offset : a.byteSize < b.byteSize;
              });
    for (std::size_t i = 1; i < result.tensors.size(); ++i) {
        const TensorInfo& previous = result.tensors[i - 1];
        if (previous.offset + previous.byteSize > result.tensors[i].offset)
            fail(name,
                 "tensors '" + previous.name + "' and '" + result.tensors[i].name + "' overlap");
    }
    return result;
}

SafetensorsFile::SafetensorsFile(std::shared_ptr<MappedFile> file, SafetensorsHeader header)
    : file_(std::move(file))
    , header_(std::move(header)) {
    for (std::size_t i = 0; i < header_.tensors.size(); ++i)
        index_.emplace(header_.tensors[i].name, i);
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    auto file = MappedFile::open(path);
    auto header = parseSafetensorsHeader(file->data(), file->size(), path);
    return SafetensorsFile(std::move(file), std::move(header));
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
    const TensorInfo* info = find(name);
    if (info == nullptr)
        throw std::runtime_error(path() + ": no tensor named '" + name + "'");
    return tensor(*info);
}

torch::Tensor SafetensorsFile::tensor(const TensorInfo& info) const {
    auto keepAlive = file_;
    auto* bytes = const_cast<std::uint8_t*>(file_->data()) + info.offset;
    if (info.byteSize == 0) // no bytes to view (and from_blob dislikes a null pointer)
        return torch::empty(info.shape, torch::dtype(toScalarType(info.dtype)));
    return torch::from_blob(
        bytes, info.shape, [keepAlive](void*) {}, torch::dtype(toScalarType(info.dtype)));
}

c10::ScalarType toScalarType(DType dtype) {
    switch (dtype) {
    case DType::F64:
        return torch::kFloat64;
    case DType::F32:
        return torch::kFloat32;
    case DType::F16:
        return torch::kFloat16;
    case DType::BF16:
        return torch::kBFloat16;
    case DType::I64:
        return torch::kInt64;
    case DType::I32:
        return torch::kInt32;
    case DType::I16:
        return torch::kInt16;
    case DType::I8:
        return torch::kInt8;
    case DType::U8:
        return torch::kUInt8;
    case DType::Bool:
        return torch::kBool;
    }
    throw std::logic_error("unknown DType");
}

DType fromScalarType(c10::ScalarType type) {
    switch (type) {
    case torch::kFloat64:
        return DType::F64;
    case torch::kFloat32:
        return DType::F32;
    case torch::kFloat16:
        return DType::F16;
    case torch::kBFloat16:
        return DType::BF16;
    case torch::kInt64:
        return DType::I64;
    case torch::kInt32:
        return DType::I32;
    case torch::kInt16:
        return DType::I16;
    case torch::kInt8:
        return DType::I8;
    case torch::kUInt8:
        return DType::U8;
    case torch::kBool:
        return DType::Bool;
    default:
        throw std::runtime_error(std::string("safetensors cannot store dtype ") +
                                 c10::toString(type));
    }
}

void writeSafetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                      const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> sizes;
    for (const SafetensorsEntry& entry : entries) {
        if (entry.name == "__metadata__" || header.contains(entry.name))
            throw std::runtime_error("cannot write " + path + ": duplicate or reserved name '" +
                                     entry.name + "'");
        std::uint64_t numel = 1;
        for (const std::int64_t dim : entry.shape) {
            if (dim < 0)
                throw std::runtime_error("cannot write " + path + ": negative dimension in '" +
                                         entry.name + "'");
            numel *= static_cast<std::uint64_t>(dim);
        }
        const std::uint64_t bytes = numel * itemSize(entry.dtype);
        header[entry.name] = {{"dtype", std::string(dtypeName(entry.dtype))},
                              {"shape", entry.shape},
                              {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        sizes.push_back(bytes);
    }
    std::string headerText = header.dump();
    // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
    headerText.append((8 - (headerText.size() % 8)) % 8, ' ');
    std::uint8_t lengthBytes[8];
    for (int i = 0; i < 8; ++i)
        lengthBytes[i] = static_cast<std::uint8_t>(headerText.size() >> (8 * i));

    AtomicFile out(path);
    out.write(lengthBytes, 8);
    out.write(headerText.data(), headerText.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const SafetensorsEntry& entry = entries[i];
        const torch::Tensor tensor = entry.load().contiguous();
        if (tensor.scalar_type() != toScalarType(entry.dtype) ||
            tensor.sizes() != c10::IntArrayRef(entry.shape))
            throw std::runtime_error("cannot write " + path + ": tensor '" + entry.name +
                                     "' does not match its declared dtype/shape");
        if (!tensor.device().is_cpu())
            throw std::runtime_error("cannot write " + path + ": tensor '" + entry.name +
                                     "' is not on the CPU");
        out.write(tensor.data_ptr(), sizes[i]);
    }
    out.commit();
}

void writeSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    std::vector<SafetensorsEntry> entries;
    entries.reserve(tensors.size());
    for (const auto& [name, tensor] : tensors) {
        const torch::Tensor cpu = tensor.device().is_cpu() ? tensor : tensor.cpu();
        entries.push_back(
            {name, fromScalarType(cpu.scalar_type()), cpu.sizes().vec(), [cpu] { return cpu; }});
    }
    writeSafetensors(path, entries, metadata);
}

} // namespace deadiff::io
