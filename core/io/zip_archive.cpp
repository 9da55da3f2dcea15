#include "core/io/zip_archive.h"

#include "core/io/bytes.h"

#include "core/io/format_error.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace deadiff::io {
namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndOfCentralDirectorySignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::size_t kEndRecordSize = 22;
constexpr std::size_t kZip64EndRecordSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kMaxCommentSize = 0xffff;
constexpr std::uint16_t kZip64ExtraId = 0x0001;

// True when [offset, offset + length) lies inside [0, size); immune to overflow.
bool inside(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
    return offset <= size && length <= size - offset;
}

std::string quotedName(const std::string& name) {
    return "'" + printableBytes(name, 200) + "'";
}

// zlib's crc32 takes 32-bit lengths; feed gigabytes in slices.
std::uint32_t crcOf(const std::uint8_t* data, std::uint64_t size) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    while (size > 0) {
        const auto slice = static_cast<uInt>(std::min<std::uint64_t>(size, 1u << 30));
        crc = ::crc32(crc, data, slice);
        data += slice;
        size -= slice;
    }
    return static_cast<std::uint32_t>(crc);
}

} // namespace

ZipArchive::ZipArchive(const std::uint8_t* data, std::string name)
    : data_(data)
    , name_(std::move(name)) {}

void ZipArchive::fail(const std::string& what) const {
    throw FormatError(name_ + ": not a valid zip archive: " + what);
}

ZipArchive ZipArchive::parse(const std::uint8_t* data, std::size_t size,
                             const std::string& nameForErrors) {
    ZipArchive archive(data, nameForErrors);
    if (size < kEndRecordSize)
        archive.fail("only " + std::to_string(size) + " bytes (truncated?)");

    // The end record is the last thing in the file, followed only by a comment of at most 64 KiB.
    std::size_t endOffset = size;
    const std::size_t lowest =
        size - kEndRecordSize > kMaxCommentSize ? size - kEndRecordSize - kMaxCommentSize : 0;
    for (std::size_t at = size - kEndRecordSize + 1; at-- > lowest;) {
        if (readLittleEndian32(data + at) == kEndOfCentralDirectorySignature &&
            at + kEndRecordSize + readLittleEndian16(data + at + 20) == size) {
            endOffset = at;
            break;
        }
    }
    if (endOffset == size)
        archive.fail("no end-of-central-directory record (truncated or not a zip file)");

    const std::uint8_t* end = data + endOffset;
    if (readLittleEndian16(end + 4) != 0 || readLittleEndian16(end + 6) != 0 ||
        readLittleEndian16(end + 8) != readLittleEndian16(end + 10))
        archive.fail("multi-volume archives are not supported");
    std::uint64_t entryCount = readLittleEndian16(end + 10);
    std::uint64_t directorySize = readLittleEndian32(end + 12);
    std::uint64_t directoryOffset = readLittleEndian32(end + 16);
    std::uint64_t directoryLimit = endOffset; // the directory ends before the records after it

    if (endOffset >= kZip64LocatorSize &&
        readLittleEndian32(data + endOffset - kZip64LocatorSize) == kZip64LocatorSignature) {
        const std::uint8_t* locator = data + endOffset - kZip64LocatorSize;
        const std::uint64_t recordOffset = readLittleEndian64(locator + 8);
        if (!inside(recordOffset, kZip64EndRecordSize, endOffset - kZip64LocatorSize))
            archive.fail("ZIP64 end record offset " + std::to_string(recordOffset) +
                         " lies outside the file");
        const std::uint8_t* record = data + recordOffset;
        if (readLittleEndian32(record) != kZip64EndSignature)
            archive.fail("ZIP64 locator does not point at a ZIP64 end record");
        if (readLittleEndian32(record + 16) != 0 || readLittleEndian32(record + 20) != 0 ||
            readLittleEndian64(record + 24) != readLittleEndian64(record + 32))
            archive.fail("multi-volume archives are not supported");
        entryCount = readLittleEndian64(record + 32);
        directorySize = readLittleEndian64(record + 40);
        directoryOffset = readLittleEndian64(record + 48);
        directoryLimit = recordOffset;
        archive.zip64_ = true;
    } else if (entryCount == 0xffff || directorySize == 0xffffffff ||
               directoryOffset == 0xffffffff) {
        archive.fail("end record needs ZIP64 values but the ZIP64 locator is missing");
    }

    if (!inside(directoryOffset, directorySize, directoryLimit))
        archive.fail("central directory [" + std::to_string(directoryOffset) + ", +" +
                     std::to_string(directorySize) + ") lies outside the file (truncated?)");
    if (entryCount > directorySize / kCentralHeaderSize)
        archive.fail(std::to_string(entryCount) + " entries cannot fit in a " +
                     std::to_string(directorySize) + "-byte central directory");

    archive.directoryOffset_ = directoryOffset;
    archive.entries_.reserve(static_cast<std::size_t>(entryCount));
    std::uint64_t at = directoryOffset;
    const std::uint64_t directoryEnd = directoryOffset + directorySize;
    for (std::uint64_t i = 0; i < entryCount; ++i) {
        if (!inside(at, kCentralHeaderSize, directoryEnd))
            archive.fail("central directory entry " + std::to_string(i) + " is truncated");
        const std::uint8_t* header = data + at;
        if (readLittleEndian32(header) != kCentralHeaderSignature)
            archive.fail("central directory entry " + std::to_string(i) + " has a bad signature");
        const std::uint16_t flags = readLittleEndian16(header + 8);
        const std::uint16_t method = readLittleEndian16(header + 10);
        const std::uint16_t nameLength = readLittleEndian16(header + 28);
        const std::uint16_t extraLength = readLittleEndian16(header + 30);
        const std::uint16_t commentLength = readLittleEndian16(header + 32);
        const std::uint64_t variableLength =
            static_cast<std::uint64_t>(nameLength) + extraLength + commentLength;
        if (!inside(at + kCentralHeaderSize, variableLength, directoryEnd))
            archive.fail("central directory entry " + std::to_string(i) + " is truncated");

        ZipEntry entry;
        entry.name.assign(reinterpret_cast<const char*>(header + kCentralHeaderSize), nameLength);
        const std::string where = "entry " + quotedName(entry.name);
        if ((flags & 0x1) != 0)
            archive.fail(where + " is encrypted");
        if (method != 0 && method != 8)
            archive.fail(where + " uses compression method " + std::to_string(method) +
                         " (only stored and deflated are supported)");
        entry.method = static_cast<ZipEntry::Method>(method);
        entry.crc32 = readLittleEndian32(header + 16);
        entry.compressedSize = readLittleEndian32(header + 20);
        entry.uncompressedSize = readLittleEndian32(header + 24);
        entry.localHeaderOffset = readLittleEndian32(header + 42);
        const std::uint16_t diskStart = readLittleEndian16(header + 34);

        // ZIP64: saturated fixed fields are replaced, in this order, by 8-byte values of the
        // 0x0001 extra field.
        const bool needUncompressed = entry.uncompressedSize == 0xffffffff;
        const bool needCompressed = entry.compressedSize == 0xffffffff;
        const bool needOffset = entry.localHeaderOffset == 0xffffffff;
        const bool needDisk = diskStart == 0xffff;
        const std::uint8_t* extra = header + kCentralHeaderSize + nameLength;
        const std::uint8_t* extraEnd = extra + extraLength;
        bool foundZip64 = false;
        while (extraEnd - extra >= 4) {
            const std::uint16_t id = readLittleEndian16(extra);
            const std::uint16_t length = readLittleEndian16(extra + 2);
            if (length > extraEnd - extra - 4)
                archive.fail(where + " has a truncated extra field");
            if (id == kZip64ExtraId && !foundZip64) {
                foundZip64 = true;
                const std::uint8_t* field = extra + 4;
                const std::uint8_t* fieldEnd = field + length;
                auto next = [&](std::uint64_t& value) {
                    if (fieldEnd - field < 8)
                        archive.fail(where + " has a short ZIP64 extra field");
                    value = readLittleEndian64(field);
                    field += 8;
                };
                if (needUncompressed)
                    next(entry.uncompressedSize);
                if (needCompressed)
                    next(entry.compressedSize);
                if (needOffset)
                    next(entry.localHeaderOffset);
                if (needDisk && fieldEnd - field < 4)
                    archive.fail(where + " has a short ZIP64 extra field");
            }
            extra += 4 + length;
        }
        if ((needUncompressed || needCompressed || needOffset || needDisk) && !foundZip64)
            archive.fail(where + " needs ZIP64 sizes but has no ZIP64 extra field");

        if (entry.method == ZipEntry::Method::Stored &&
            entry.compressedSize != entry.uncompressedSize)
            archive.fail(where + " is stored but its sizes differ (" +
                         std::to_string(entry.compressedSize) + " vs " +
                         std::to_string(entry.uncompressedSize) + ")");

        // Deflate cannot expand data more than ~1032:1; a larger claim is a zip bomb or a lie,
        // and would make readers allocate what the file cannot fill.
        if (entry.method == ZipEntry::Method::Deflated &&
            entry.uncompressedSize / 1032 > entry.compressedSize + 1)
            archive.fail(where + " claims " + std::to_string(entry.uncompressedSize) +
                         " bytes from " + std::to_string(entry.compressedSize) +
                         " compressed ones, more than deflate can produce (zip bomb?)");

        // The local header comes later (dataOffset()); here only what the central directory
        // implies: the header, the name and the data fit before the directory.
        const std::uint64_t minimalDataOffset = entry.localHeaderOffset + kLocalHeaderSize;
        if (!inside(entry.localHeaderOffset, kLocalHeaderSize + nameLength, directoryOffset))
            archive.fail(where + ": local header offset " +
                         std::to_string(entry.localHeaderOffset) + " lies outside the file");
        if (!inside(minimalDataOffset + nameLength, entry.compressedSize, directoryOffset))
            archive.fail(where + ": data of " + std::to_string(entry.compressedSize) +
                         " bytes runs past the central directory (truncated or lying sizes)");

        if (!archive.index_.emplace(entry.name, archive.entries_.size()).second)
            archive.fail("duplicate entry " + quotedName(entry.name));
        archive.entries_.push_back(std::move(entry));
        at += kCentralHeaderSize + variableLength;
    }
    return archive;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
}

std::uint64_t ZipArchive::dataOffset(const ZipEntry& entry) const {
    // The local header repeats the name; its extra field may differ from the central one
    // (PyTorch pads it so that data is 64-byte aligned), so the data offset comes from it.
    const std::string where = "entry " + quotedName(entry.name);
    if (!inside(entry.localHeaderOffset, kLocalHeaderSize, directoryOffset_))
        fail(where + ": local header offset " + std::to_string(entry.localHeaderOffset) +
             " lies outside the file");
    const std::uint8_t* local = data_ + entry.localHeaderOffset;
    if (readLittleEndian32(local) != kLocalHeaderSignature)
        fail(where + ": bad local header signature");
    const std::uint64_t nameLength = readLittleEndian16(local + 26);
    const std::uint64_t extraLength = readLittleEndian16(local + 28);
    const std::uint64_t nameOffset = entry.localHeaderOffset + kLocalHeaderSize;
    if (nameLength != entry.name.size() ||
        !inside(nameOffset, nameLength + extraLength, directoryOffset_) ||
        std::memcmp(data_ + nameOffset, entry.name.data(), nameLength) != 0)
        fail(where + ": local header does not match the central directory");
    const std::uint64_t offset = nameOffset + nameLength + extraLength;
    if (!inside(offset, entry.compressedSize, directoryOffset_))
        fail(where + ": data [" + std::to_string(offset) + ", +" +
             std::to_string(entry.compressedSize) +
             ") runs past the central directory (truncated or lying sizes)");
    return offset;
}

const std::uint8_t* ZipArchive::storedData(const ZipEntry& entry) const {
    if (entry.method != ZipEntry::Method::Stored)
        throw std::logic_error("zip entry '" + entry.name + "' is compressed, not stored");
    return data_ + dataOffset(entry);
}

std::vector<std::uint8_t> ZipArchive::read(const ZipEntry& entry, std::uint64_t maxBytes) const {
    if (entry.uncompressedSize > maxBytes)
        fail("entry " + quotedName(entry.name) + " declares " +
             std::to_string(entry.uncompressedSize) + " bytes, more than the " +
             std::to_string(maxBytes) + " allowed for it");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(entry.uncompressedSize));
    readInto(entry, bytes.data());
    return bytes;
}

void ZipArchive::readInto(const ZipEntry& entry, std::uint8_t* destination) const {
    const std::string where = "entry " + quotedName(entry.name);
    const std::uint64_t offset = dataOffset(entry);
    if (entry.method == ZipEntry::Method::Stored) {
        if (entry.uncompressedSize > 0)
            std::memcpy(destination, data_ + offset, entry.uncompressedSize);
    } else {
        z_stream stream{};
        if (::inflateInit2(&stream, -MAX_WBITS) != Z_OK)
            throw std::runtime_error("zlib: cannot start inflating " + where);
        const std::uint8_t* input = data_ + offset;
        std::uint64_t inputLeft = entry.compressedSize;
        std::uint8_t* output = destination;
        std::uint64_t outputLeft = entry.uncompressedSize;
        std::uint8_t overflowProbe = 0;
        int status = Z_OK;
        std::string problem;
        while (status != Z_STREAM_END) {
            if (stream.avail_in == 0 && inputLeft > 0) {
                stream.next_in = const_cast<Bytef*>(input);
                stream.avail_in = static_cast<uInt>(std::min<std::uint64_t>(inputLeft, 1u << 30));
                input += stream.avail_in;
                inputLeft -= stream.avail_in;
            }
            // Once the declared size is reached, a one-byte probe tells a stream that ends
            // exactly there from one that would inflate further (a zip bomb or a lying size).
            const bool probing = outputLeft == 0;
            stream.next_out = probing ? &overflowProbe : output;
            stream.avail_out =
                probing ? 1 : static_cast<uInt>(std::min<std::uint64_t>(outputLeft, 1u << 30));
            const uInt before = stream.avail_out;
            const uInt inputBefore = stream.avail_in;
            status = ::inflate(&stream, Z_NO_FLUSH);
            const uInt produced = before - stream.avail_out;
            if (status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR ||
                status == Z_STREAM_ERROR) {
                problem = "corrupt deflate data";
                break;
            }
            if (probing && produced > 0) {
                problem = "inflates to more than its declared " +
                          std::to_string(entry.uncompressedSize) + " bytes";
                break;
            }
            if (!probing) {
                output += produced;
                outputLeft -= produced;
            }
            if (status != Z_STREAM_END && produced == 0 && stream.avail_in == inputBefore) {
                problem = "deflate data ends early (truncated?)";
                break;
            }
        }
        ::inflateEnd(&stream);
        if (problem.empty() && outputLeft != 0)
            problem = "inflates to fewer bytes than its declared " +
                      std::to_string(entry.uncompressedSize);
        if (!problem.empty())
            fail(where + ": " + problem);
    }
    const bool crcMatches = crcOf(destination, entry.uncompressedSize) == entry.crc32;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION // let mutated pickles reach the unpickler
    (void)crcMatches;
#else
    if (!crcMatches)
        fail(where + ": CRC-32 mismatch (corrupt file)");
#endif
}

} // namespace deadiff::io
