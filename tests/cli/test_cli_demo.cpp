// The CLI on model folders: generate takes the folder's image size, and train -> eval run end
// to end (a few steps, so the numbers mean nothing; the demo model's numbers are in README).
#include "tests/support/process.h"
#include "tests/support/tiny_model.h"

#include "core/image/image_io.h"
#include "core/io/png.h"
#include "core/io/weight_file.h"
#include "core/pipeline/metadata.h"

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

// Fig. 10 in miniature end to end: stage 1 from a model folder with a look fine-tunes only the
// UNet's output half; exported as an overlay it serves as --base under the model's DEADiff
// parts, the PNG names it, and eval takes one --base per --model with the framed column.
TEST_F(CliDemo, LookFineTuneBecomesABaseUnderTheSameDeadiffParts) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    const std::string run = (dir_ / "framed-run").string();
    const auto trained =
        runProcess({kCli, "train", "--stage", "1", "--base", model, "--look", "framed", "--out",
                    run, "--steps", "2", "--batch", "1", "--log-every", "1"});
    ASSERT_EQ(trained.exitCode, 0) << trained.err;
    EXPECT_NE(trained.out.find("stage 1 look    step 2/2"), std::string::npos) << trained.out;
    const auto otherLook = runProcess({kCli, "train", "--stage", "1", "--base", model, "--out", run,
                                       "--steps", "3", "--batch", "1"});
    EXPECT_EQ(otherLook.exitCode, 1);
    EXPECT_NE(otherLook.err.find("trains on the framed look"), std::string::npos) << otherLook.err;

    const std::string base = (dir_ / "framed").string();
    const auto exported = runProcess(
        {kCli, "train", "--stage", "1", "--out", run, "--export", base, "--export-base", model});
    ASSERT_EQ(exported.exitCode, 0) << exported.err;
    // Only the output half changed: the overlay holds no input-block, text or DEADiff tensor.
    const io::WeightFile overlay = io::WeightFile::open(base + "/overlay.safetensors");
    ASSERT_FALSE(overlay.tensors().empty());
    for (const io::TensorInfo& info : overlay.tensors()) {
        EXPECT_TRUE(info.name.rfind("model.diffusion_model.output_blocks.", 0) == 0 ||
                    info.name.rfind("model.diffusion_model.out.", 0) == 0)
            << info.name;
        EXPECT_EQ(info.name.find("i_to_"), std::string::npos) << info.name;
    }

    const std::string out = (dir_ / "switched.png").string();
    const auto generated =
        runProcess({kCli, "generate", "--model", model, "--base", base, "--prompt", "star",
                    "--steps", "2", "--seed", "3", "--dtype", "float32", "-o", out});
    ASSERT_EQ(generated.exitCode, 0) << generated.err;
    const std::optional<GenerationRequest> recorded = recordedRequest(out);
    ASSERT_TRUE(recorded.has_value());
    EXPECT_EQ(recorded->base, base);
    EXPECT_EQ(recorded->baseHash.size(), 64u);
    const std::string parameters = io::findPngText(io::readPngText(out), "parameters");
    EXPECT_NE(parameters.find("Model: framed, Model hash: " + recorded->baseHash.substr(0, 10)),
              std::string::npos)
        << parameters;

    const auto evaluated = runProcess({kCli,      "eval",      "--model",
                                       model,     "--label",   "own",
                                       "--model", model,       "--base",
                                       "own",     "--base",    base,
                                       "--label", "framed",    "--framed",
                                       "--pairs", "1",         "--steps",
                                       "1",       "--samples", (dir_ / "sheet.png").string()});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
    EXPECT_NE(evaluated.out.find("framed look |"), std::string::npos) << evaluated.out;
    EXPECT_NE(evaluated.out.find("| framed | 1 |"), std::string::npos) << evaluated.out;
    const cv::Mat sheet = image::readImageRgb((dir_ / "sheet.png").string());
    EXPECT_EQ(sheet.rows, 2 + 3 * (64 + 2)); // the reference row, then one row per model

    // A missing VAE file is named before anything loads.
    const auto missingVae =
        runProcess({kCli, "generate", "--model", model, "--base", base, "--prompt", "star",
                    "--steps", "1", "--vae", (dir_ / "missing-vae.safetensors").string()});
    EXPECT_EQ(missingVae.exitCode, 2);
    EXPECT_NE(missingVae.err.find("'--vae': no such file"), std::string::npos) << missingVae.err;
}

} // namespace
} // namespace deadiff::cli
