// The CLI on model folders: generate takes the folder's image size, and train -> eval run end
// to end (a few steps, so the numbers mean nothing; the demo model's numbers are in README).
#include "tests/support/process.h"
#include "tests/support/tiny_model.h"

#include "core/image/image_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;
using test::runProcess;

const std::string kCli = DEADIFF_CLI_EXE;

class CliDemo : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_cli_demo_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(CliDemo, GenerateFromAModelFolderUsesItsImageSize) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    const std::string out = (dir_ / "out.png").string();
    const auto result =
        runProcess({kCli, "generate", "--model", model, "--prompt", "star", "--steps", "2",
                    "--seed", "3", "--dtype", "float32", "-o", out});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const cv::Mat image = image::readImageRgb(out);
    EXPECT_EQ(image.cols, 64);
    EXPECT_EQ(image.rows, 64);
}

TEST_F(CliDemo, BrokenModelJsonIsAUserErrorNamingTheField) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    std::ofstream(fs::path(model) / "model.json")
        << R"({"format": "deadiff-model", "default_image_size": "big"})";
    const auto result =
        runProcess({kCli, "generate", "--model", model, "--prompt", "star", "--steps", "2"});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.err.find("'default_image_size' must be an integer"), std::string::npos)
        << result.err;
}

TEST_F(CliDemo, TrainThenEvalRunEndToEnd) {
    const std::string out = (dir_ / "stage1").string();
    const auto trained =
        runProcess({kCli, "train", "--stage", "1", "--out", out, "--vae-steps", "1", "--steps", "1",
                    "--batch", "1", "--vae-batch", "1", "--log-every", "1"});
    ASSERT_EQ(trained.exitCode, 0) << trained.err;
    EXPECT_NE(trained.out.find("stage 1 unet    step 1/1"), std::string::npos) << trained.out;
    EXPECT_NE(trained.out.find("loss "), std::string::npos);

    const std::string classifiers = (dir_ / "classifiers.safetensors").string();
    const auto evaluated = runProcess({kCli, "eval", "--model", out + "/model", "--label", "smoke",
                                       "--classifiers", classifiers, "--train-classifiers",
                                       "--classifier-steps", "1", "--pairs", "2", "--steps", "1"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
    EXPECT_NE(evaluated.out.find("| smoke | 2 |"), std::string::npos) << evaluated.out;
    EXPECT_TRUE(fs::exists(classifiers));
    // Without --classifiers: the ones shipped in resources/demo-model (no trained model there).
    const auto shipped = runProcess({kCli, "eval", "--model", out + "/model", "--label", "shipped",
                                     "--pairs", "1", "--steps", "1"});
    ASSERT_EQ(shipped.exitCode, 0) << shipped.err;
    EXPECT_NE(shipped.out.find("| shipped | 1 |"), std::string::npos) << shipped.out;

    const auto stage2WithoutBase =
        runProcess({kCli, "train", "--stage", "2", "--out", (dir_ / "stage2").string()});
    EXPECT_EQ(stage2WithoutBase.exitCode, 1);
    EXPECT_NE(stage2WithoutBase.err.find("--base"), std::string::npos) << stage2WithoutBase.err;

    const auto negativeOffset =
        runProcess({kCli, "train", "--stage", "1", "--out", out, "--offset-noise", "-0.1"});
    EXPECT_EQ(negativeOffset.exitCode, 2); // a usage error
    EXPECT_NE(negativeOffset.err.find("--offset-noise must be in [0, 1]"), std::string::npos)
        << negativeOffset.err;
}

} // namespace
} // namespace deadiff::cli
