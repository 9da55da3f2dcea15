#include "core/io/format_error.h"
#include "core/io/zip_archive.h"
#include "tests/support/ckpt_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace deadiff::io {
namespace {

using test::makeZip;
using test::ZipFileEntry;

const std::uint8_t* bytesOf(const std::string& image) {
    return reinterpret_cast<const std::uint8_t*>(image.data());
}

ZipArchive parseImage(const std::string& image) {
    return ZipArchive::parse(bytesOf(image), image.size(), "test.zip");
}

std::string errorOf(const std::string& image) {
    try {
        const ZipArchive archive = parseImage(image);
        for (const ZipEntry& entry : archive.entries())
            archive.read(entry, 1 << 20);
    } catch (const FormatError& error) {
        return error.what();
    }
    return "";
}

std::uint32_t get32(const std::string& image, std::size_t at) {
    std::uint32_t value = 0;
    std::memcpy(&value, image.data() + at, 4);
    return value;
}
void set16(std::string& image, std::size_t at, std::uint16_t value) {
    std::memcpy(image.data() + at, &value, 2);
}
void set32(std::string& image, std::size_t at, std::uint32_t value) {
    std::memcpy(image.data() + at, &value, 4);
}

// Offsets of the classic (non-ZIP64) records of a comment-less archive.
std::size_t endRecord(const std::string& image) {
    return image.size() - 22;
}
std::size_t centralDirectory(const std::string& image) {
    return get32(image, endRecord(image) + 16);
}

std::string sampleData() {
    std::string data;
    for (int i = 0; i < 3000; ++i)
        data.push_back(static_cast<char>((i * 7) % 13));
    return data;
}

std::string sampleZip(bool zip64 = false) {
    return makeZip({{"archive/data.pkl", "pickle bytes", false},
                    {"archive/data/0", sampleData(), false},
                    {"archive/data/1", sampleData(), true}},
                   zip64);
}

TEST(ZipArchive, ReadsStoredEntriesInPlaceAndInflatesDeflatedOnes) {
    const std::string image = sampleZip();
    const ZipArchive archive = parseImage(image);
    ASSERT_EQ(archive.entries().size(), 3u);
    EXPECT_FALSE(archive.usesZip64());
    const ZipEntry* stored = archive.find("archive/data/0");
    ASSERT_NE(stored, nullptr);
    EXPECT_EQ(stored->method, ZipEntry::Method::Stored);
    EXPECT_EQ(archive.dataOffset(*stored) % 64, 0u) << "PyTorch-style alignment is kept";
    const std::uint8_t* inPlace = archive.storedData(*stored);
    EXPECT_GE(inPlace, bytesOf(image));
    EXPECT_LE(inPlace + stored->uncompressedSize, bytesOf(image) + image.size());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(inPlace), stored->uncompressedSize),
              sampleData());

    const ZipEntry* deflated = archive.find("archive/data/1");
    ASSERT_NE(deflated, nullptr);
    EXPECT_EQ(deflated->method, ZipEntry::Method::Deflated);
    EXPECT_LT(deflated->compressedSize, deflated->uncompressedSize);
    const auto inflated = archive.read(*deflated, 1 << 20);
    EXPECT_EQ(std::string(inflated.begin(), inflated.end()), sampleData());
    EXPECT_EQ(archive.find("missing"), nullptr);
}

TEST(ZipArchive, ReadsForcedZip64Archives) {
    const std::string image = sampleZip(true);
    const ZipArchive archive = parseImage(image);
    EXPECT_TRUE(archive.usesZip64());
    ASSERT_EQ(archive.entries().size(), 3u);
    for (const char* name : {"archive/data/0", "archive/data/1"}) {
        const ZipEntry* entry = archive.find(name);
        ASSERT_NE(entry, nullptr) << name;
        EXPECT_EQ(entry->uncompressedSize, sampleData().size());
        const auto bytes = archive.read(*entry, 1 << 20);
        EXPECT_EQ(std::string(bytes.begin(), bytes.end()), sampleData()) << name;
    }
}

TEST(ZipArchive, EveryTruncationIsAFormatError) {
    for (const bool zip64 : {false, true}) {
        const std::string image = sampleZip(zip64);
        for (std::size_t length = 0; length < image.size(); ++length) {
            const std::string message = errorOf(image.substr(0, length));
            EXPECT_NE(message.find("test.zip"), std::string::npos)
                << "length " << length << " zip64 " << zip64 << ": " << message;
        }
    }
}

TEST(ZipArchive, CorruptBytesGiveFormatErrorsOrCorrectData) {
    // Every single-byte change anywhere: the parser either rejects the archive or reads it;
    // anything else (another exception type, a crash, an ASan report) fails the test.
    for (const bool zip64 : {false, true}) {
        const std::string image = sampleZip(zip64);
        for (std::size_t at = 0; at < image.size(); ++at) {
            for (const std::uint8_t value : {0x00, 0xff, 0x7f}) {
                std::string corrupt = image;
                corrupt[at] = static_cast<char>(value);
                try {
                    errorOf(corrupt);
                } catch (const std::exception& error) {
                    ADD_FAILURE() << "byte " << at << ": unexpected " << error.what();
                }
            }
        }
    }
}

TEST(ZipArchive, RejectsNonZipInput) {
    EXPECT_NE(errorOf(std::string(100, 'x')).find("no end-of-central-directory"),
              std::string::npos);
    EXPECT_NE(errorOf("").find("only 0 bytes"), std::string::npos);
}

TEST(ZipArchive, RejectsADirectoryOutsideTheFile) {
    std::string image = sampleZip();
    set32(image, endRecord(image) + 16, static_cast<std::uint32_t>(image.size()));
    EXPECT_NE(errorOf(image).find("central directory"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsMoreEntriesThanTheDirectoryHolds) {
    std::string image = sampleZip();
    set16(image, endRecord(image) + 8, 60000);
    set16(image, endRecord(image) + 10, 60000);
    EXPECT_NE(errorOf(image).find("cannot fit"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsSizesRunningPastTheDirectory) {
    std::string image = sampleZip();
    const std::size_t second = centralDirectory(image) + 46 + 16; // after data.pkl's header
    ASSERT_EQ(get32(image, second), 0x02014b50u);
    set32(image, second + 20, 0x7fffffff); // compressed size
    set32(image, second + 24, 0x7fffffff);
    EXPECT_NE(errorOf(image).find("runs past"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsALocalHeaderOffsetOutsideTheFile) {
    std::string image = sampleZip();
    set32(image, centralDirectory(image) + 42, 0x7ffffff0);
    EXPECT_NE(errorOf(image).find("local header offset"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsALocalHeaderThatDisagrees) {
    std::string image = sampleZip();
    image[30] = 'X'; // first byte of the first entry's local name
    EXPECT_NE(errorOf(image).find("does not match"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsDuplicateNames) {
    const std::string image = makeZip({{"a", "1", false}, {"a", "2", false}});
    EXPECT_NE(errorOf(image).find("duplicate entry 'a'"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsEncryptedAndUnknownMethods) {
    std::string encrypted = makeZip({{"a", "1", false}});
    set16(encrypted, centralDirectory(encrypted) + 8, 1);
    EXPECT_NE(errorOf(encrypted).find("encrypted"), std::string::npos) << errorOf(encrypted);

    std::string bzip2 = makeZip({{"a", "1", false}});
    set16(bzip2, centralDirectory(bzip2) + 10, 12);
    EXPECT_NE(errorOf(bzip2).find("compression method 12"), std::string::npos) << errorOf(bzip2);
}

TEST(ZipArchive, RejectsStoredEntriesWhoseSizesDiffer) {
    std::string image = makeZip({{"a", "12345", false}});
    set32(image, centralDirectory(image) + 24, 4);
    EXPECT_NE(errorOf(image).find("sizes differ"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RefusesZipBombs) {
    // A deflated entry claiming 4 GB from a few bytes: refused before any allocation.
    std::string bomb = makeZip({{"a", std::string(1000, 'a'), true}});
    set32(bomb, centralDirectory(bomb) + 24, 0xfffffff0u);
    EXPECT_NE(errorOf(bomb).find("zip bomb"), std::string::npos) << errorOf(bomb);

    // Declared smaller than what the stream inflates to: stops at the declared size.
    std::string liar = makeZip({{"a", std::string(1000, 'a'), true}});
    set32(liar, centralDirectory(liar) + 24, 10);
    EXPECT_NE(errorOf(liar).find("more than its declared 10 bytes"), std::string::npos)
        << errorOf(liar);

    // Declared larger than the stream: detected, not padded with garbage.
    std::string shortStream = makeZip({{"a", std::string(1000, 'a'), true}});
    set32(shortStream, centralDirectory(shortStream) + 24, 2000);
    EXPECT_NE(errorOf(shortStream).find("fewer bytes"), std::string::npos) << errorOf(shortStream);

    // A caller's limit is honoured.
    const std::string image = makeZip({{"a", std::string(1000, 'a'), true}});
    const ZipArchive archive = parseImage(image);
    EXPECT_THROW(archive.read(archive.entries()[0], 999), FormatError);
}

TEST(ZipArchive, DetectsCorruptDataThroughCrc) {
    std::string image = makeZip({{"a", "hello world", false}});
    const ZipArchive clean = parseImage(image);
    image[clean.dataOffset(clean.entries()[0])] = 'j';
    EXPECT_NE(errorOf(image).find("CRC-32"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RejectsSaturatedFieldsWithoutZip64Records) {
    std::string image = sampleZip();
    set32(image, endRecord(image) + 12, 0xffffffffu);
    EXPECT_NE(errorOf(image).find("ZIP64 locator is missing"), std::string::npos) << errorOf(image);

    std::string entry = sampleZip();
    set32(entry, centralDirectory(entry) + 42, 0xffffffffu);
    EXPECT_NE(errorOf(entry).find("no ZIP64 extra field"), std::string::npos) << errorOf(entry);
}

TEST(ZipArchive, RejectsAZip64LocatorPointingOutside) {
    std::string image = sampleZip(true);
    const std::size_t locator = image.size() - 22 - 20;
    ASSERT_EQ(get32(image, locator), 0x07064b50u);
    set32(image, locator + 8, 0xfffffff0u);
    EXPECT_NE(errorOf(image).find("ZIP64 end record offset"), std::string::npos) << errorOf(image);
}

TEST(ZipArchive, RandomGarbageAfterAValidEndRecordNeverCrashes) {
    std::mt19937 random(7);
    const std::string image = sampleZip(true);
    for (int trial = 0; trial < 2000; ++trial) {
        std::string corrupt = image;
        const int flips = 1 + static_cast<int>(random() % 8);
        for (int i = 0; i < flips; ++i)
            corrupt[random() % corrupt.size()] = static_cast<char>(random());
        try {
            errorOf(corrupt);
        } catch (const std::exception& error) {
            ADD_FAILURE() << "trial " << trial << ": unexpected " << error.what();
        }
    }
}

} // namespace
} // namespace deadiff::io
