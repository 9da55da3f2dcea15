// `deadiff inspect` and `deadiff convert`, end to end through the real binary.
#include "core/io/safetensors.h"
#include "core/io/weight_file.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/process.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;
using test::fixturePath;
using test::runProcess;

const std::string kCli = DEADIFF_CLI_EXE;

class CliWeights : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-cliw-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

TEST_F(CliWeights, InspectFindsComponentsCountsAndDtypes) {
    const auto result = runProcess({kCli, "inspect", fixturePath("torch/lightning.ckpt")});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::string& out = result.out;
    EXPECT_TRUE(contains(out, "PyTorch zip checkpoint (tensors under 'state_dict')")) << out;
    EXPECT_TRUE(contains(out, "tensors:    4\n")) << out;
    EXPECT_TRUE(contains(out, "parameters: 21 (21)")) << out; // 8 + 3 + 4 + 6
    EXPECT_TRUE(contains(out, "dtypes:     F16 x1, F32 x2, I64 x1")) << out;
    // component, tensors, parameters, dtypes
    for (const char* row : {"model.diffusion_model         1                8  F16 x1",
                            "first_stage_model             1                3  F32 x1",
                            "cond_stage_model              1                4  I64 x1",
                            "style_blip                    1                6  F32 x1"})
        EXPECT_TRUE(contains(out, row)) << row << "\n" << out;
    EXPECT_FALSE(contains(out, "[2, 1, 2, 2]")) << "keys only with --keys";
}

TEST_F(CliWeights, InspectKeysListsEveryTensor) {
    const auto result = runProcess({kCli, "inspect", "--keys", fixturePath("torch/state_dict.pt")});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    for (const char* line :
         {"linear.weight  F32  [2, 3]\n", "half  F16  [5]\n", "bf16  BF16  [3]\n",
          "index  I64  [3]\n", "flag  BOOL  [3]\n", "transposed  F32  [4, 3]\n",
          "scalar  F32  []\n", "empty  F32  [0, 3]\n"})
        EXPECT_TRUE(contains(result.out, line)) << line << "\n" << result.out;
}

TEST_F(CliWeights, InspectRefusesHostileFilesNamingTheGlobal) {
    const auto result = runProcess({kCli, "inspect", fixturePath("torch/hostile_system.pt")});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, "deadiff inspect: error:")) << result.err;
    EXPECT_TRUE(contains(result.err, "'posix.system'")) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
}

TEST_F(CliWeights, InspectUsageErrors) {
    EXPECT_EQ(runProcess({kCli, "inspect"}).exitCode, 2);
    const auto help = runProcess({kCli, "inspect", "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_TRUE(contains(help.out, "Usage: deadiff inspect")) << help.out;
    const auto missing = runProcess({kCli, "inspect", path("absent.ckpt")});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(contains(missing.err, "absent.ckpt")) << missing.err;
}

TEST_F(CliWeights, ConvertRoundTripsBitExactly) {
    const std::string output = path("out.safetensors");
    const auto result = runProcess({kCli, "convert", fixturePath("torch/state_dict.pt"), output});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_TRUE(contains(result.err, "convert: 14/14 tensors")) << result.err;
    EXPECT_TRUE(contains(result.out, "wrote")) << result.out;

    const io::WeightFile input = io::WeightFile::open(fixturePath("torch/state_dict.pt"));
    const io::SafetensorsFile converted = io::SafetensorsFile::open(output);
    EXPECT_EQ(converted.metadata().at("format"), "pt");
    ASSERT_EQ(converted.tensors().size(), input.tensors().size());
    for (const io::TensorInfo& info : input.tensors()) {
        const io::TensorInfo* out = converted.find(info.name);
        ASSERT_NE(out, nullptr) << info.name;
        EXPECT_EQ(out->dtype, info.dtype) << info.name;
        EXPECT_EQ(out->shape, info.shape) << info.name;
        const torch::Tensor a = input.tensor(info.name).contiguous();
        const torch::Tensor b = converted.tensor(info.name);
        ASSERT_EQ(a.numel() * a.element_size(), b.numel() * b.element_size()) << info.name;
        EXPECT_EQ(std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * a.element_size()), 0)
            << info.name << " differs bit-wise";
    }
}

TEST_F(CliWeights, ConvertFailureLeavesNoOutput) {
    const std::string output = path("out.safetensors");
    const auto result = runProcess({kCli, "convert", fixturePath("torch/hostile_eval.pt"), output});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, "__builtin__.eval")) << result.err;
    EXPECT_FALSE(fs::exists(output));
    for (const auto& entry : fs::directory_iterator(dir_))
        ADD_FAILURE() << "left behind: " << entry.path();

    const auto same = runProcess(
        {kCli, "convert", fixturePath("torch/state_dict.pt"), fixturePath("torch/state_dict.pt")});
    EXPECT_EQ(same.exitCode, 2);
    EXPECT_TRUE(contains(same.err, "same file")) << same.err;
}

} // namespace
} // namespace deadiff::cli
