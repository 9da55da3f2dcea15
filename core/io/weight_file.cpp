#include "core/io/weight_file.h"

#include "core/io/bounded_file.h"
#include "core/io/bytes.h"
#include "core/io/format_error.h"
#include "core/io/torch_checkpoint.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace deadiff::io {

class WeightFile::Source {
public:
    virtual ~Source() = default;
    virtual const std::string& path() const = 0;
    virtual WeightFormat format() const = 0;
    virtual const std::string& stateDictKey() const = 0;
    virtual const std::vector<TensorInfo>& tensors() const = 0;
    virtual const TensorInfo* find(const std::string& name) const = 0;
    virtual torch::Tensor tensor(const std::string& name) const = 0;
    virtual const std::shared_ptr<MappedFile>& mapping() const = 0;
    virtual const std::map<std::string, std::string>& metadata() const = 0;
};

namespace {

const std::string kNoKey;
const std::map<std::string, std::string> kNoMetadata;

class SafetensorsSource final : public WeightFile::Source {
public:
    explicit SafetensorsSource(SafetensorsFile file)
        : file_(std::move(file)) {}
    const std::string& path() const override { return file_.path(); }
    WeightFormat format() const override { return WeightFormat::Safetensors; }
    const std::string& stateDictKey() const override { return kNoKey; }
    const std::vector<TensorInfo>& tensors() const override { return file_.tensors(); }
    const TensorInfo* find(const std::string& name) const override { return file_.find(name); }
    torch::Tensor tensor(const std::string& name) const override { return file_.tensor(name); }
    const std::shared_ptr<MappedFile>& mapping() const override { return file_.mapping(); }
    const std::map<std::string, std::string>& metadata() const override { return file_.metadata(); }

private:
    SafetensorsFile file_;
};

class TorchSource final : public WeightFile::Source {
public:
    explicit TorchSource(TorchCheckpoint file)
        : file_(std::move(file)) {}
    const std::string& path() const override { return file_.path(); }
    WeightFormat format() const override { return WeightFormat::TorchZip; }
    const std::string& stateDictKey() const override { return file_.layout().stateDictKey; }
    const std::vector<TensorInfo>& tensors() const override { return file_.tensors(); }
    const TensorInfo* find(const std::string& name) const override { return file_.find(name); }
    torch::Tensor tensor(const std::string& name) const override { return file_.tensor(name); }
    const std::shared_ptr<MappedFile>& mapping() const override { return file_.mapping(); }
    const std::map<std::string, std::string>& metadata() const override { return kNoMetadata; }

private:
    TorchCheckpoint file_;
};

enum class Sniffed { Safetensors, TorchZip, LegacyTorch, Unknown };

Sniffed sniff(const std::string& path) {
    const std::vector<std::uint8_t> bytes =
        BoundedFile::open(path, kMaxWeightFileBytes, "weight file").readHead(16);
    unsigned char head[16] = {};
    std::copy(bytes.begin(), bytes.end(), head);
    const auto got = static_cast<std::streamsize>(bytes.size());
    if (got >= 4 && head[0] == 'P' && head[1] == 'K' &&
        ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)))
        return Sniffed::TorchZip;
    // Before the pickle test: a safetensors header length of 128, 384, ... starts 0x80 0x00.
    if (got >= 9 && head[8] == '{')
        return Sniffed::Safetensors;
    // torch.save before 1.6 (or with _use_new_zipfile_serialization=False) writes a bare
    // pickle stream: PROTO 2, then the magic number 0x1950a86a20f9469cfc6c as a LONG1.
    if (got >= 2 && head[0] == 0x80 && head[1] <= 5)
        return Sniffed::LegacyTorch;
    // A plausible little-endian header length: let the safetensors parser say what is wrong.
    const std::uint64_t headerLength = got >= 8 ? readLittleEndian64(head) : 0;
    if (got >= 8 && headerLength > 0 && headerLength < (100u << 20))
        return Sniffed::Safetensors;
    return Sniffed::Unknown;
}

} // namespace

const char* formatName(WeightFormat format) {
    return format == WeightFormat::Safetensors ? "safetensors" : "PyTorch zip checkpoint";
}

WeightFile::WeightFile(std::shared_ptr<const Source> source)
    : source_(std::move(source)) {}

WeightFile WeightFile::open(const std::string& path) {
    switch (sniff(path)) {
    case Sniffed::TorchZip:
        return WeightFile(std::make_shared<TorchSource>(TorchCheckpoint::open(path)));
    case Sniffed::Safetensors:
        return WeightFile(std::make_shared<SafetensorsSource>(SafetensorsFile::open(path)));
    case Sniffed::LegacyTorch:
        throw FormatError(
            path + ": a legacy (pre-1.6, non-zip) PyTorch file; it cannot be read safely "
                   "without Python. Re-save it with torch.save(torch.load(path), new_path) in "
                   "PyTorch >= 1.6, or convert it to .safetensors");
    case Sniffed::Unknown:
        break;
    }
    throw FormatError(path + ": not a weight file this program reads (expected safetensors or a "
                             "PyTorch zip checkpoint .ckpt/.pth/.pt)");
}

const std::string& WeightFile::path() const {
    return source_->path();
}
WeightFormat WeightFile::format() const {
    return source_->format();
}
const std::string& WeightFile::stateDictKey() const {
    return source_->stateDictKey();
}
const std::vector<TensorInfo>& WeightFile::tensors() const {
    return source_->tensors();
}
const TensorInfo* WeightFile::find(const std::string& name) const {
    return source_->find(name);
}
torch::Tensor WeightFile::tensor(const std::string& name) const {
    return source_->tensor(name);
}
const std::shared_ptr<MappedFile>& WeightFile::mapping() const {
    return source_->mapping();
}
const std::map<std::string, std::string>& WeightFile::metadata() const {
    return source_->metadata();
}

} // namespace deadiff::io
