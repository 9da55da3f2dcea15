#include "core/io/format_error.h"
#include "core/io/weight_file.h"
#include "tests/support/ckpt_writer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <unistd.h>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

class WeightFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-wf-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    static std::string errorOf(const std::string& file) {
        try {
            WeightFile::open(file);
        } catch (const std::runtime_error& error) {
            return error.what();
        }
        return "";
    }

    fs::path dir_;
};

TEST_F(WeightFileTest, DetectsSafetensorsByContentWhateverTheExtension) {
    const std::string file = path("weights.ckpt"); // misleading extension on purpose
    const torch::Tensor weight = torch::arange(6, torch::kFloat32).reshape({2, 3});
    writeSafetensors(file, {{"w", weight}, {"h", weight.to(torch::kFloat16)}});
    const WeightFile weights = WeightFile::open(file);
    EXPECT_EQ(weights.format(), WeightFormat::Safetensors);
    EXPECT_EQ(weights.stateDictKey(), "");
    ASSERT_EQ(weights.tensors().size(), 2u);
    ASSERT_NE(weights.find("h"), nullptr);
    EXPECT_EQ(weights.find("h")->dtype, DType::F16);
    EXPECT_EQ(weights.find("nope"), nullptr);
    EXPECT_TRUE(torch::equal(weights.tensor("w"), weight));
    EXPECT_THROW(weights.tensor("nope"), std::runtime_error);
}

TEST_F(WeightFileTest, SafetensorsWhoseHeaderLengthStartsLikeAPickleIsSafetensors) {
    // A 128-byte header: the file starts 0x80 0x00, as a pre-1.6 torch pickle starts 0x80 0x02.
    std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    header.resize(128, ' ');
    std::string bytes(8, '\0');
    bytes[0] = static_cast<char>(0x80);
    test::writeBinaryFile(path("pickle_like.safetensors"), bytes + header + std::string(4, '\0'));
    const WeightFile weights = WeightFile::open(path("pickle_like.safetensors"));
    EXPECT_EQ(weights.format(), WeightFormat::Safetensors);
    EXPECT_EQ(weights.tensor("w").item<float>(), 0.0f);
}

TEST_F(WeightFileTest, DetectsTorchZipByContent) {
    const std::string file = path("weights.safetensors"); // misleading extension on purpose
    fs::copy_file(test::fixturePath("torch/state_dict.pt"), file);
    const WeightFile weights = WeightFile::open(file);
    EXPECT_EQ(weights.format(), WeightFormat::TorchZip);
    ASSERT_NE(weights.find("index"), nullptr);
    EXPECT_EQ(weights.find("index")->dtype, DType::I64);
    EXPECT_EQ(weights.find("index")->shape, (std::vector<std::int64_t>{3}));
    EXPECT_EQ(weights.find("index")->byteSize, 24u);
}

TEST_F(WeightFileTest, ErrorsNameTheFileAndTheProblem) {
    EXPECT_NE(errorOf(path("absent.safetensors")).find("absent.safetensors"), std::string::npos);

    test::writeBinaryFile(path("empty.bin"), "");
    EXPECT_NE(errorOf(path("empty.bin")).find("empty.bin: not a weight file"), std::string::npos)
        << errorOf(path("empty.bin"));

    test::writeBinaryFile(path("text.txt"), "hello, this is not a checkpoint at all\n");
    EXPECT_NE(errorOf(path("text.txt")).find("not a weight file"), std::string::npos)
        << errorOf(path("text.txt"));

    // A safetensors header that lies about its tensors goes to the safetensors parser.
    std::string header = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
    std::string bytes(8, '\0');
    bytes[0] = static_cast<char>(header.size());
    test::writeBinaryFile(path("short.safetensors"), bytes + header + "12345678");
    EXPECT_NE(errorOf(path("short.safetensors")).find("short.safetensors"), std::string::npos);
    EXPECT_NE(errorOf(path("short.safetensors")).find("outside"), std::string::npos)
        << errorOf(path("short.safetensors"));

    // Zip magic but garbage after it.
    test::writeBinaryFile(path("broken.pth"), std::string("PK\x03\x04", 4) + std::string(40, 'x'));
    EXPECT_NE(errorOf(path("broken.pth")).find("broken.pth: not a valid zip archive"),
              std::string::npos)
        << errorOf(path("broken.pth"));
}

} // namespace
} // namespace deadiff::io
