// Writers for test fixtures in PyTorch's checkpoint format, without Python: a zip writer
// (stored or deflated entries, optionally forced ZIP64), a protocol-2 pickle emitter for
// hand-made (also hostile) pickles, and a torch.save-like state dict writer on top of both.
// LibTorch-free: tensors are given as raw storage bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadiff::test {

struct ZipFileEntry {
    std::string name;
    std::string data;
    bool deflate = false;
};

// Data of stored entries starts 64-byte aligned, as PyTorch's writer does. With forceZip64 every
// size and offset goes through ZIP64 extra fields and records, as in a > 4 GB checkpoint.
std::string makeZip(const std::vector<ZipFileEntry>& entries, bool forceZip64 = false);

// Emits pickle opcodes (protocol 2, as torch.save uses).
class PickleWriter {
public:
    PickleWriter& proto(int version = 2);
    PickleWriter& raw(const std::string& bytes);
    PickleWriter& op(char opcode);
    PickleWriter& mark() { return op('('); }
    PickleWriter& none() { return op('N'); }
    PickleWriter& boolean(bool value);
    PickleWriter& integer(std::int64_t value);
    PickleWriter& real(double value);
    PickleWriter& string(const std::string& text);
    PickleWriter& global(const std::string& module, const std::string& name);
    PickleWriter& emptyDict() { return op('}'); }
    PickleWriter& emptyTuple() { return op(')'); }
    PickleWriter& emptyList() { return op(']'); }
    PickleWriter& tuple() { return op('t'); }
    PickleWriter& reduce() { return op('R'); }
    PickleWriter& setItems() { return op('u'); }
    PickleWriter& binPersId() { return op('Q'); }
    PickleWriter& binPut(std::uint8_t index);
    PickleWriter& binGet(std::uint8_t index);
    PickleWriter& stop() { return op('.'); }
    const std::string& bytes() const { return bytes_; }

private:
    std::string bytes_;
};

struct CkptTensor {
    std::string name;
    std::string storageType = "FloatStorage"; // torch.<storageType>
    std::string storageKey;                   // archive entry data/<storageKey>
    std::uint64_t storageNumel = 0;
    std::int64_t storageOffset = 0;
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides;
};

struct CkptSpec {
    std::vector<CkptTensor> tensors;
    std::map<std::string, std::string> storages; // key -> raw bytes
    std::string folder = "archive";
    bool nestUnderStateDict = false;
    bool lightningExtras = false; // epoch, global_step, a ModelCheckpoint-keyed callbacks dict
    bool forceZip64 = false;
    bool deflateStorages = false;
};

// The pickle alone (data.pkl), and the whole archive.
std::string makeStateDictPickle(const CkptSpec& spec);
std::string makeTorchCheckpoint(const CkptSpec& spec);

// tests/fixtures/<relative> in the source tree (small files committed with the tests).
std::string fixturePath(const std::string& relative);

void writeBinaryFile(const std::string& path, const std::string& bytes);
std::string readBinaryFile(const std::string& path);

} // namespace deadiff::test
