// Reading zip archives in memory (the container of PyTorch's .ckpt/.pth/.pt files), without
// LibTorch so the parser can be fuzzed alone. ZIP64 is supported: real checkpoints are > 4 GB.
//
// Stored entries are located in place, so tensors can view the mapped file without copying;
// deflated entries are inflated with zlib into a bounded buffer. Every offset and size read from
// the archive is checked against the image before use: a hostile archive gives FormatError,
// never an out-of-bounds read or an allocation larger than the caller's limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace deadiff::io {

struct ZipEntry {
    enum class Method : std::uint16_t { Stored = 0, Deflated = 8 };

    std::string name;
    Method method = Method::Stored;
    std::uint32_t crc32 = 0;
    std::uint64_t compressedSize = 0;
    std::uint64_t uncompressedSize = 0;
    std::uint64_t localHeaderOffset = 0;
};

class ZipArchive {
public:
    // Parses the central directory of the archive image [data, data + size). The image must
    // outlive the archive. Throws FormatError mentioning `nameForErrors`.
    static ZipArchive parse(const std::uint8_t* data, std::size_t size,
                            const std::string& nameForErrors);

    const std::vector<ZipEntry>& entries() const { return entries_; }
    const ZipEntry* find(std::string_view name) const;
    bool usesZip64() const { return zip64_; }

    // Where the entry's (compressed) data starts in the image. Local headers are read only
    // here, not while parsing: a multi-GB checkpoint has thousands of them spread over the
    // file, and reading them all would make opening it cost seconds of disk seeks.
    // Throws FormatError when the local header is bad or the data runs past the directory.
    std::uint64_t dataOffset(const ZipEntry& entry) const;

    // The bytes of a stored entry, in place (zero-copy). Throws for a compressed entry.
    const std::uint8_t* storedData(const ZipEntry& entry) const;

    // The uncompressed bytes of any entry (a copy), checked against its CRC-32. Refuses entries
    // whose declared size exceeds `maxBytes` and deflate streams that inflate to anything but
    // the declared size (zip bombs).
    std::vector<std::uint8_t> read(const ZipEntry& entry, std::uint64_t maxBytes) const;

    // Inflates into caller memory of exactly entry.uncompressedSize bytes (for tensors of
    // deflated archives). Checks the CRC-32 like read().
    void readInto(const ZipEntry& entry, std::uint8_t* destination) const;

    const std::string& nameForErrors() const { return name_; }

private:
    ZipArchive(const std::uint8_t* data, std::string name);

    [[noreturn]] void fail(const std::string& what) const;

    const std::uint8_t* data_ = nullptr;
    std::string name_;
    std::uint64_t directoryOffset_ = 0;
    bool zip64_ = false;
    std::vector<ZipEntry> entries_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

} // namespace deadiff::io
