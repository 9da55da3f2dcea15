// The file side of a download: SHA-256 against published vectors and coreutils' sha256sum, the
// .part file that survives and resumes, the verified atomic rename, a wrong hash that keeps
// nothing, a real ENOSPC (/dev/full), one writer per file, and the rate/ETA meter.
#include "core/io/sha256.h"
#include "core/models/partial_download.h"
#include "core/models/transfer_meter.h"
#include "tests/support/process.h"
#include "tests/support/test_bytes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace deadiff::models {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// An independent implementation: coreutils.
std::string sha256sum(const fs::path& path) {
    return test::sha256sumOfFile(path.string());
}

class PartialDownloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_partial_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string target() const { return (dir_ / "models" / "vae" / "file.bin").string(); }

    fs::path dir_;
};

TEST(Sha256, MatchesThePublishedVectors) {
    io::Sha256 empty;
    EXPECT_EQ(empty.hexDigest(),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    io::Sha256 abc;
    abc.update("abc", 3);
    EXPECT_EQ(abc.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // FIPS 180-2: one million 'a', fed in uneven pieces.
    io::Sha256 million;
    const std::string chunk(999, 'a');
    std::size_t fed = 0;
    while (fed < 1000000) {
        const std::size_t piece = std::min<std::size_t>(chunk.size(), 1000000 - fed);
        million.update(chunk.data(), piece);
        fed += piece;
    }
    EXPECT_EQ(million.hexDigest(),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_F(PartialDownloadTest, FileHashAgreesWithSha256sumAndCanBeStopped) {
    const fs::path path = dir_ / "data.bin";
    std::ofstream(path, std::ios::binary) << test::randomBytes(9 << 20, 1);
    EXPECT_EQ(io::sha256OfFile(path.string()), sha256sum(path));
    int calls = 0;
    EXPECT_EQ(io::sha256OfFile(path.string(),
                               [&](std::uint64_t, std::uint64_t total) {
                                   EXPECT_EQ(total, 9u << 20);
                                   return ++calls < 2;
                               }),
              "");
    EXPECT_EQ(calls, 2);
    EXPECT_THROW(io::sha256OfFile((dir_ / "absent").string()), std::runtime_error);
    EXPECT_THROW(io::sha256OfFile(dir_.string()), std::runtime_error);
}

TEST_F(PartialDownloadTest, BytesSurviveInThePartFileAndResume) {
    const std::string data = test::randomBytes(300000, 2);
    {
        PartialDownload download(target());
        EXPECT_EQ(download.partPath(), target() + ".part");
        EXPECT_EQ(download.size(), 0u);
        download.append(data.data(), 100000);
        EXPECT_EQ(download.size(), 100000u);
    } // an interruption: the object goes, the bytes stay
    EXPECT_EQ(fs::file_size(target() + ".part"), 100000u);
    EXPECT_FALSE(fs::exists(target()));

    PartialDownload resumed(target());
    EXPECT_EQ(resumed.size(), 100000u);
    resumed.append(data.data() + 100000, data.size() - 100000);
    const fs::path reference = dir_ / "reference.bin";
    std::ofstream(reference, std::ios::binary) << data;
    EXPECT_TRUE(resumed.finish(sha256sum(reference)));
    EXPECT_EQ(readFile(target()), data);
    EXPECT_FALSE(fs::exists(target() + ".part"));
}

TEST_F(PartialDownloadTest, AWrongHashDeletesEverything) {
    PartialDownload download(target());
    download.append("hello", 5);
    const std::string wrong(64, '0');
    try {
        download.finish(wrong);
        FAIL() << "a wrong hash was accepted";
    } catch (const HashMismatchError& error) {
        const std::string message = error.what();
        // sha256("hello"), published in countless places.
        EXPECT_NE(message.find("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find(wrong), std::string::npos) << message;
    }
    EXPECT_FALSE(fs::exists(target()));
    EXPECT_FALSE(fs::exists(target() + ".part"));
}

TEST_F(PartialDownloadTest, RestartEmptiesThePartFile) {
    PartialDownload download(target());
    download.append("wrong bytes", 11);
    download.restart();
    EXPECT_EQ(download.size(), 0u);
    download.append("abc", 3);
    EXPECT_TRUE(
        download.finish("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    EXPECT_EQ(readFile(target()), "abc");
}

TEST_F(PartialDownloadTest, OneWriterAtATime) {
    PartialDownload first(target());
    try {
        PartialDownload second(target());
        FAIL() << "two writers on one .part file";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("another download"), std::string::npos)
            << error.what();
    }
}

// A real "No space left on device": /dev/full behind the .part file's name.
TEST_F(PartialDownloadTest, ADiskFullWriteSaysSoAndKeepsTheCount) {
    fs::create_directories(fs::path(target()).parent_path());
    fs::create_symlink("/dev/full", target() + ".part");
    PartialDownload download(target());
    try {
        download.append("abc", 3);
        FAIL() << "a write to a full disk succeeded";
    } catch (const DiskFullError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
        EXPECT_NE(message.find("kept"), std::string::npos) << message;
    }
    EXPECT_EQ(download.size(), 0u);
}

TEST_F(PartialDownloadTest, FreeSpaceIsMeasured) {
    EXPECT_GT(freeSpace(dir_.string()), 0u);
    EXPECT_THROW(freeSpace((dir_ / "absent").string()), std::runtime_error);
}

TEST(TransferMeter, RateAndTimeLeftFollowTheRecentWindow) {
    TransferMeter meter(5.0);
    EXPECT_EQ(meter.bytesPerSecond(), 0.0);
    EXPECT_EQ(meter.secondsLeft(100), -1.0);
    meter.sample(0, 0.0);
    meter.sample(1000, 1.0);
    meter.sample(2000, 2.0);
    EXPECT_DOUBLE_EQ(meter.bytesPerSecond(), 1000.0);
    EXPECT_DOUBLE_EQ(meter.secondsLeft(5000), 5.0);
    // The connection slows to 100 B/s: after the window only the slow samples count.
    for (int second = 3; second <= 12; ++second)
        meter.sample(2000 + 100 * static_cast<std::uint64_t>(second - 2), second);
    EXPECT_NEAR(meter.bytesPerSecond(), 100.0, 1e-9);
    EXPECT_EQ(meter.secondsLeft(0), 0.0);
    // A restart from zero (the server ignored a Range request) forgets the old samples.
    meter.sample(0, 13.0);
    EXPECT_EQ(meter.bytesPerSecond(), 0.0);
}

} // namespace
} // namespace deadiff::models
