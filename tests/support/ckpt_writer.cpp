#include "tests/support/ckpt_writer.h"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace deadiff::test {
namespace {

void put16(std::string& out, std::uint32_t value) {
    out.push_back(static_cast<char>(value & 0xff));
    out.push_back(static_cast<char>((value >> 8) & 0xff));
}
void put32(std::string& out, std::uint64_t value) {
    put16(out, static_cast<std::uint32_t>(value & 0xffff));
    put16(out, static_cast<std::uint32_t>((value >> 16) & 0xffff));
}
void put64(std::string& out, std::uint64_t value) {
    put32(out, value & 0xffffffffu);
    put32(out, value >> 32);
}

std::string deflateRaw(const std::string& data) {
    z_stream stream{};
    if (deflateInit2(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out(deflateBound(&stream, data.size()), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END)
        throw std::runtime_error("deflate failed");
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

} // namespace

std::string makeZip(const std::vector<ZipFileEntry>& entries, bool forceZip64) {
    std::string out;
    std::string directory;
    for (const ZipFileEntry& entry : entries) {
        const std::string payload = entry.deflate ? deflateRaw(entry.data) : entry.data;
        const auto crc =
            static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(entry.data.data()),
                                             static_cast<uInt>(entry.data.size())));
        const std::uint64_t localOffset = out.size();
        const std::uint16_t method = entry.deflate ? 8 : 0;

        // Local header; the extra field pads so that the data starts 64-byte aligned.
        std::string extra;
        if (forceZip64) {
            put16(extra, 0x0001);
            put16(extra, 16);
            put64(extra, entry.data.size());
            put64(extra, payload.size());
        }
        const std::size_t unpadded = out.size() + 30 + entry.name.size() + extra.size();
        std::size_t padding = (64 - unpadded % 64) % 64;
        if (padding != 0 && padding < 4)
            padding += 64;
        if (padding != 0) {
            put16(extra, 0x4246); // "FB", PyTorch's padding id
            put16(extra, static_cast<std::uint32_t>(padding - 4));
            extra.append(padding - 4, 'Z');
        }
        put32(out, 0x04034b50);
        put16(out, forceZip64 ? 45 : 20);
        put16(out, 0);
        put16(out, method);
        put16(out, 0);
        put16(out, 0x21);
        put32(out, crc);
        put32(out, forceZip64 ? 0xffffffffu : payload.size());
        put32(out, forceZip64 ? 0xffffffffu : entry.data.size());
        put16(out, static_cast<std::uint32_t>(entry.name.size()));
        put16(out, static_cast<std::uint32_t>(extra.size()));
        out += entry.name;
        out += extra;
        out += payload;

        std::string centralExtra;
        if (forceZip64) {
            put16(centralExtra, 0x0001);
            put16(centralExtra, 24);
            put64(centralExtra, entry.data.size());
            put64(centralExtra, payload.size());
            put64(centralExtra, localOffset);
        }
        put32(directory, 0x02014b50);
        put16(directory, forceZip64 ? 45 : 20);
        put16(directory, forceZip64 ? 45 : 20);
        put16(directory, 0);
        put16(directory, method);
        put16(directory, 0);
        put16(directory, 0x21);
        put32(directory, crc);
        put32(directory, forceZip64 ? 0xffffffffu : payload.size());
        put32(directory, forceZip64 ? 0xffffffffu : entry.data.size());
        put16(directory, static_cast<std::uint32_t>(entry.name.size()));
        put16(directory, static_cast<std::uint32_t>(centralExtra.size()));
        put16(directory, 0);
        put16(directory, 0);
        put16(directory, 0);
        put32(directory, 0);
        put32(directory, forceZip64 ? 0xffffffffu : localOffset);
        directory += entry.name;
        directory += centralExtra;
    }
    const std::uint64_t directoryOffset = out.size();
    out += directory;
    if (forceZip64) {
        const std::uint64_t recordOffset = out.size();
        put32(out, 0x06064b50);
        put64(out, 44);
        put16(out, 45);
        put16(out, 45);
        put32(out, 0);
        put32(out, 0);
        put64(out, entries.size());
        put64(out, entries.size());
        put64(out, directory.size());
        put64(out, directoryOffset);
        put32(out, 0x07064b50);
        put32(out, 0);
        put64(out, recordOffset);
        put32(out, 1);
    }
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, forceZip64 ? 0xffff : static_cast<std::uint32_t>(entries.size()));
    put16(out, forceZip64 ? 0xffff : static_cast<std::uint32_t>(entries.size()));
    put32(out, forceZip64 ? 0xffffffffu : directory.size());
    put32(out, forceZip64 ? 0xffffffffu : directoryOffset);
    put16(out, 0);
    return out;
}

PickleWriter& PickleWriter::proto(int version) {
    bytes_.push_back('\x80');
    bytes_.push_back(static_cast<char>(version));
    return *this;
}

PickleWriter& PickleWriter::raw(const std::string& bytes) {
    bytes_ += bytes;
    return *this;
}

PickleWriter& PickleWriter::op(char opcode) {
    bytes_.push_back(opcode);
    return *this;
}

PickleWriter& PickleWriter::boolean(bool value) {
    return op(value ? '\x88' : '\x89');
}

PickleWriter& PickleWriter::integer(std::int64_t value) {
    if (value >= 0 && value < 256) {
        op('K');
        bytes_.push_back(static_cast<char>(value));
    } else if (value >= INT32_MIN && value <= INT32_MAX) {
        op('J');
        put32(bytes_, static_cast<std::uint32_t>(value));
    } else {
        op('\x8a');
        bytes_.push_back(8);
        put64(bytes_, static_cast<std::uint64_t>(value));
    }
    return *this;
}

PickleWriter& PickleWriter::real(double value) {
    op('G');
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (int i = 7; i >= 0; --i)
        bytes_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
    return *this;
}

PickleWriter& PickleWriter::string(const std::string& text) {
    if (text.size() < 256) {
        op('\x8c');
        bytes_.push_back(static_cast<char>(text.size()));
    } else {
        op('X');
        put32(bytes_, text.size());
    }
    bytes_ += text;
    return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
    op('c');
    bytes_ += module + "\n" + name + "\n";
    return *this;
}

PickleWriter& PickleWriter::binPut(std::uint8_t index) {
    op('q');
    bytes_.push_back(static_cast<char>(index));
    return *this;
}

PickleWriter& PickleWriter::binGet(std::uint8_t index) {
    op('h');
    bytes_.push_back(static_cast<char>(index));
    return *this;
}

std::string makeStateDictPickle(const CkptSpec& spec) {
    PickleWriter pickle;
    pickle.proto(2);
    if (spec.nestUnderStateDict || spec.lightningExtras) {
        pickle.emptyDict().mark();
        if (spec.lightningExtras) {
            pickle.string("epoch").integer(3).string("global_step").integer(70000);
            pickle.string("pytorch-lightning_version").string("1.4.2");
            // callbacks: {ModelCheckpoint: {"best_model_score": None}}, as Lightning 1.4 writes.
            pickle.string("callbacks").emptyDict().mark();
            pickle.global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint");
            pickle.emptyDict().string("best_model_score").none().op('s');
            pickle.setItems();
        }
        pickle.string("state_dict");
    }
    pickle.global("collections", "OrderedDict").emptyTuple().reduce().mark();
    for (const CkptTensor& tensor : spec.tensors) {
        pickle.string(tensor.name);
        pickle.global("torch._utils", "_rebuild_tensor_v2").mark();
        pickle.mark()
            .string("storage")
            .global("torch", tensor.storageType)
            .string(tensor.storageKey)
            .string("cpu")
            .integer(static_cast<std::int64_t>(tensor.storageNumel))
            .tuple()
            .binPersId();
        pickle.integer(tensor.storageOffset).mark();
        for (const std::int64_t size : tensor.shape)
            pickle.integer(size);
        pickle.tuple().mark();
        for (const std::int64_t stride : tensor.strides)
            pickle.integer(stride);
        pickle.tuple().boolean(false);
        pickle.global("collections", "OrderedDict").emptyTuple().reduce();
        pickle.tuple().reduce();
    }
    pickle.setItems();
    if (spec.nestUnderStateDict || spec.lightningExtras)
        pickle.setItems();
    return pickle.stop().bytes();
}

std::string makeTorchCheckpoint(const CkptSpec& spec) {
    std::vector<ZipFileEntry> entries;
    entries.push_back({spec.folder + "/data.pkl", makeStateDictPickle(spec), false});
    for (const auto& [key, bytes] : spec.storages)
        entries.push_back({spec.folder + "/data/" + key, bytes, spec.deflateStorages});
    entries.push_back({spec.folder + "/version", "3\n", false});
    return makeZip(entries, spec.forceZip64);
}

std::string fixturePath(const std::string& relative) {
    return std::string(DEADIFF_FIXTURES_DIR) + "/" + relative;
}

void writeBinaryFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

std::string readBinaryFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace deadiff::test
