// sha256 of model files and the cache that reads each file once (issue 20's "Model hash").
#include "core/io/file_hash.h"
#include "core/pipeline/model_files.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

class FileHash : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_file_hash_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& bytes) const {
        const fs::path path = dir_ / name;
        std::ofstream(path, std::ios::binary) << bytes;
        return path.string();
    }

    fs::path dir_;
};

// FIPS 180-2 test vectors.
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST_F(FileHash, KnownVectors) {
    EXPECT_EQ(sha256Hex("abc", 3), kAbc);
    EXPECT_EQ(sha256OfFile(write("abc.bin", "abc")), kAbc);
    EXPECT_EQ(sha256OfFile(write("empty.bin", "")), kEmpty);
    // Longer than the 1 MiB read buffer: the streamed digest equals the in-memory one.
    std::string big(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 2654435761u >> 13);
    EXPECT_EQ(sha256OfFile(write("big.bin", big)), sha256Hex(big.data(), big.size()));
    EXPECT_EQ(shortHash(kAbc), "ba7816bf8f");
    EXPECT_THROW(sha256OfFile((dir_ / "absent").string()), std::runtime_error);
    EXPECT_THROW(sha256OfFile(dir_.string()), std::runtime_error); // a folder
}

// kohya's addnet hash (A1111's "Lora hashes"): the tensor data after the JSON header, so a file
// that differs only in its metadata keeps it.
TEST_F(FileHash, SafetensorsDataHashSkipsTheHeader) {
    const auto safetensors = [](const std::string& header, const std::string& data) {
        std::string bytes(8, '\0');
        for (int i = 0; i < 8; ++i)
            bytes[i] = static_cast<char>(header.size() >> (8 * i) & 0xff);
        return bytes + header + data;
    };
    const std::string data(1000, 'x');
    const std::string a =
        write("a.safetensors", safetensors(R"({"__metadata__":{"a":"1"}})", data));
    const std::string b =
        write("b.safetensors", safetensors(R"({"__metadata__":{"b":"22"}})", data));
    FileHashCache cache("");
    EXPECT_EQ(cache.safetensorsDataSha256(a), sha256Hex(data.data(), data.size()));
    EXPECT_EQ(cache.safetensorsDataSha256(b), cache.safetensorsDataSha256(a));
    EXPECT_NE(cache.sha256(a), cache.sha256(b));
    // Both kinds of hash of one file are cached apart.
    EXPECT_NE(cache.sha256(a), cache.safetensorsDataSha256(a));
    const int read = cache.filesHashed();
    EXPECT_EQ(cache.safetensorsDataSha256(a), sha256Hex(data.data(), data.size()));
    EXPECT_EQ(cache.filesHashed(), read);
    // A header longer than the file, a file too short for the length, a FIFO: errors, no hang.
    EXPECT_THROW(cache.safetensorsDataSha256(write("short.safetensors", "abc")),
                 std::runtime_error);
    std::string lying = safetensors("{}", "");
    lying[0] = 100;
    EXPECT_THROW(cache.safetensorsDataSha256(write("lying.safetensors", lying)),
                 std::runtime_error);
    const std::string fifo = (dir_ / "fifo.safetensors").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_THROW(cache.safetensorsDataSha256(fifo), std::runtime_error);
    // pipeline::loraFileHash picks the kind by extension and never throws.
    EXPECT_EQ(pipeline::loraFileHash(a), cache.safetensorsDataSha256(a));
    EXPECT_EQ(pipeline::loraFileHash(write("abc.pt", "abc")), kAbc);
    EXPECT_EQ(pipeline::loraFileHash((dir_ / "absent.safetensors").string()), "");
}

TEST_F(FileHash, EachFileIsReadOncePerSizeAndTime) {
    const std::string cacheFile = (dir_ / "cache" / "file-hashes.json").string();
    const std::string model = write("model.safetensors", "abc");
    {
        FileHashCache cache(cacheFile);
        EXPECT_EQ(cache.sha256(model), kAbc);
        EXPECT_EQ(cache.sha256(model), kAbc);
        EXPECT_EQ(cache.filesHashed(), 1);
        ASSERT_TRUE(fs::exists(cacheFile));
    }
    // Another process (a new cache on the same file) reads no model file at all.
    FileHashCache again(cacheFile);
    EXPECT_EQ(again.sha256(model), kAbc);
    EXPECT_EQ(again.filesHashed(), 0);

    // Rewritten with other contents (size differs): hashed again.
    write("model.safetensors", "abcd");
    EXPECT_NE(again.sha256(model), kAbc);
    EXPECT_EQ(again.filesHashed(), 1);
    // Same size, newer time: hashed again too.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    write("model.safetensors", "xyzw");
    fs::last_write_time(model, fs::file_time_type::clock::now() + std::chrono::seconds(2));
    EXPECT_EQ(again.sha256(model), sha256Hex("xyzw", 4));
    EXPECT_EQ(again.filesHashed(), 2);
}

TEST_F(FileHash, DamagedOrUnwritableCacheCostsOnlyTime) {
    const std::string cacheFile = write("file-hashes.json", "{ not json");
    const std::string model = write("m.ckpt", "abc");
    FileHashCache cache(cacheFile);
    EXPECT_EQ(cache.sha256(model), kAbc);
    EXPECT_EQ(cache.filesHashed(), 1);
    // A cache path that cannot be written (a file where the folder should be).
    write("blocker", "x");
    FileHashCache blocked((dir_ / "blocker" / "file-hashes.json").string());
    EXPECT_EQ(blocked.sha256(model), kAbc);
    EXPECT_EQ(blocked.sha256(model), kAbc);
    EXPECT_EQ(blocked.filesHashed(), 1); // remembered in memory
}

TEST_F(FileHash, LocateModelFileByPathNameAndHash) {
    const std::string here = write("base.safetensors", "abc");
    const std::string sub = (dir_ / "sub").string();
    fs::create_directories(sub);
    EXPECT_EQ(pipeline::locateModelFile(here, kAbc, {}), here);
    // Moved: found by name in a searched folder, when the hash fits.
    const std::string recorded = "/no/such/folder/base.safetensors";
    EXPECT_EQ(pipeline::locateModelFile(recorded, kAbc, {sub, dir_.string()}), here);
    EXPECT_EQ(pipeline::locateModelFile(recorded, "", {dir_.string()}), here);
    EXPECT_EQ(pipeline::locateModelFile(recorded, sha256Hex("x", 1), {dir_.string()}), "");
    EXPECT_EQ(pipeline::locateModelFile(recorded, kAbc, {sub}), "");
    EXPECT_EQ(pipeline::locateModelFile("", kAbc, {dir_.string()}), "");
    EXPECT_EQ(pipeline::modelFileHash(here), kAbc);
    EXPECT_EQ(pipeline::modelFileHash(""), "");
    EXPECT_EQ(pipeline::modelFileHash((dir_ / "absent").string()), "");
}

} // namespace
} // namespace deadiff::io
