// The ControlNet against the official network's float32 outputs on the real-layout random
// checkpoint (oracle section g), then generation with a depth map end to end (pipeline and
// CLI) on the DEADiff + ControlNet oracle checkpoints.
#include "core/depth/depth_map.h"
#include "core/io/png.h"
#include "core/io/safetensors.h"
#include "core/nn/controlnet.h"
#include "core/pipeline/pipeline.h"
#include "core/runtime/system_info.h"
#include "tests/oracle/oracle_support.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <unistd.h>

namespace deadiff::test {
namespace {

namespace fs = std::filesystem;

TEST(ControlNetOracle, EveryResidualAndTheGuidedHintMatchTheOfficialCode) {
    DEADIFF_REQUIRE_ORACLE_CONTROLNET(checkpointPath);
    configureThreads();
    torch::NoGradGuard noGrad;
    const auto checkpoint = io::SafetensorsFile::open(checkpointPath);
    const nn::TensorMap weights = tensorsWithPrefix(checkpoint, "control_model.");
    EXPECT_EQ(weights.size(), 340u);
    // Sized from the file's shapes, as the pipeline loads any ControlNet: SD 1.5's sizes.
    nn::ControlNetModel control =
        nn::loadControlNetFor(weights, nn::UNetConfig{}, 8, checkpointPath);
    const nn::ControlNetConfig& config = control->config();
    EXPECT_EQ(config.hintWidths, nn::ControlNetConfig{}.hintWidths);
    EXPECT_EQ(config.unet.channelMult, nn::UNetConfig{}.channelMult);
    EXPECT_EQ(config.unet.attentionResolutions, (std::vector<std::int64_t>{1, 2, 4}));

    const auto ref = io::SafetensorsFile::open(oracleRef("controlnet_step.safetensors"));
    // The hint as the pipeline builds it from the depth picture: hint_u8 / 255.
    EXPECT_TRUE(torch::equal(
        ref.tensor("hint_u8").permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat) / 255.0f,
        ref.tensor("hint")));
    std::map<std::string, torch::Tensor> seen;
    const std::vector<torch::Tensor> residuals = control->forward(
        ref.tensor("x"), ref.tensor("hint"), ref.tensor("t"), ref.tensor("context"),
        [&](const std::string& name, const torch::Tensor& value) { seen[name] = value; });
    expectMatches("time_emb", seen.at("time_emb"), ref.tensor("time_emb"));
    expectMatches("guided_hint", seen.at("guided_hint"), ref.tensor("guided_hint"));
    ASSERT_EQ(residuals.size(), 13u);
    for (std::size_t i = 0; i < residuals.size(); ++i)
        expectMatches("residual." + std::to_string(i), residuals[i],
                      ref.tensor("residual." + std::to_string(i)));

    // bfloat16 (the pipeline's compute dtype on AVX512-BF16 CPUs) against the same reference,
    // with a looser stated bound (measured: 2.0e-2, the worst of the 13).
    control->to(torch::kBFloat16);
    const std::vector<torch::Tensor> bf16 = control->forward(
        ref.tensor("x"), ref.tensor("hint"), ref.tensor("t"), ref.tensor("context"));
    double worst = 0;
    for (std::size_t i = 0; i < bf16.size(); ++i)
        worst = std::max(worst, relativeMaxError(bf16[i].to(torch::kFloat),
                                                 ref.tensor("residual." + std::to_string(i))));
    std::printf("[oracle] bfloat16 residuals: worst max|ours-ref|/max|ref| = %.3e\n", worst);
    EXPECT_LE(worst, 0.03);
}

class ControlledGeneration : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff-control-oracle-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // The oracle's depth-like hint picture as a PNG (one channel replicated, as HWC3 does).
    std::string writeDepthPng() const {
        const auto ref = io::SafetensorsFile::open(oracleRef("controlnet_step.safetensors"));
        const torch::Tensor u8 = ref.tensor("hint_u8").contiguous();
        const cv::Mat rgb(static_cast<int>(u8.size(0)), static_cast<int>(u8.size(1)), CV_8UC3,
                          u8.data_ptr());
        const std::string file = (dir_ / "depth.png").string();
        EXPECT_TRUE(cv::imwrite(file, rgb)); // gray: channel order does not matter
        return file;
    }

    fs::path dir_;
};

// One DEADiff load: a depth map steers the image; scale 0, or a window that covers no step,
// is the plain pipeline bit for bit; a window covering only the last step differs from both.
TEST_F(ControlledGeneration, PipelineAppliesTheControlNetByScaleAndStepWindow) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    DEADIFF_REQUIRE_ORACLE_CONTROLNET(controlnet);
    auto pipeline = Pipeline::load({checkpoint, ComputeDtype::Float32});
    GenerationRequest plain;
    plain.prompt = "A curly-haired boy";
    plain.styles.push_back({oracleRef("style_01.jpeg"), std::nullopt});
    plain.width = 64;
    plain.height = 64;
    plain.steps = 2; // timesteps 501 then 1: fractions 0 and 0.5
    plain.seed = 11;
    const cv::Mat reference = pipeline->generate(plain).images.at(0);

    GenerationRequest controlled = plain;
    control::ControlUnit depth;
    depth.model = controlnet;
    depth.hintFrom = writeDepthPng();
    depth.preprocess = control::Preprocessor::DepthMap;
    controlled.controls.push_back(depth);
    const GenerationResult full = pipeline->generate(controlled);
    ASSERT_EQ(full.request.controls.size(), 1u);
    EXPECT_EQ(full.request.controls[0], depth);
    EXPECT_GT(cv::norm(full.images.at(0), reference, cv::NORM_INF), 0.0);
    ASSERT_EQ(full.hints.size(), 1u);
    EXPECT_EQ(full.hints[0].size(), cv::Size(64, 64));

    GenerationRequest off = controlled;
    off.controls[0].scale = 0.0;
    EXPECT_EQ(cv::norm(pipeline->generate(off).images.at(0), reference, cv::NORM_INF), 0.0);
    GenerationRequest never = controlled;
    never.controls[0].start = 0.6; // no step at fraction >= 0.6
    EXPECT_EQ(cv::norm(pipeline->generate(never).images.at(0), reference, cv::NORM_INF), 0.0);
    GenerationRequest late = controlled;
    late.controls[0].start = 0.5; // the second step only
    const cv::Mat lateImage = pipeline->generate(late).images.at(0);
    EXPECT_GT(cv::norm(lateImage, reference, cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(lateImage, full.images.at(0), cv::NORM_INF), 0.0);

    // A wrong ControlNet file is named; the pipeline stays usable.
    GenerationRequest wrong = controlled;
    wrong.controls[0].model = checkpoint;
    try {
        pipeline->generate(wrong);
        FAIL() << "the DEADiff checkpoint is not a ControlNet";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("not a ControlNet"), std::string::npos)
            << error.what();
    }
    EXPECT_EQ(
        cv::norm(pipeline->generate(controlled).images.at(0), full.images.at(0), cv::NORM_INF),
        0.0);
}

// The "done when" for the CLI: depth estimated from a photo by an ONNX model
// (the tiny fixture model), ControlNet on, settings in the PNG and restored from it.
TEST_F(ControlledGeneration, CliGeneratesWithDepthFromAPhotoAndStoresTheSettings) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    DEADIFF_REQUIRE_ORACLE_CONTROLNET(controlnet);
    const std::string out = (dir_ / "controlled.png").string();
    const std::string onnx = fixturePath("depth/tiny_depth_64.onnx");
    const auto result = runProcess({DEADIFF_CLI_EXE,
                                    "generate",
                                    "--model",
                                    checkpoint,
                                    "--prompt",
                                    "A curly-haired boy",
                                    "--style",
                                    oracleRef("style_01.jpeg"),
                                    "--depth-from",
                                    oracleRef("style_01.jpeg"),
                                    "--depth-model",
                                    onnx,
                                    "--control",
                                    controlnet,
                                    "--control-scale",
                                    "0.8",
                                    "--control-start",
                                    "0",
                                    "--control-end",
                                    "0.5",
                                    "--seed",
                                    "3",
                                    "--steps",
                                    "2",
                                    "--width",
                                    "64",
                                    "--height",
                                    "64",
                                    "--dtype",
                                    "float32",
                                    "-o",
                                    out});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const io::PngText text = io::readPngText(out);
    const GenerationRequest stored =
        requestFromJson(io::findPngText(text, io::kRequestJsonKeyword), JsonStrictness::Strict);
    ASSERT_EQ(stored.controls.size(), 1u);
    EXPECT_EQ(stored.controls[0].hintFrom, oracleRef("style_01.jpeg"));
    EXPECT_EQ(stored.controls[0].preprocess, control::Preprocessor::DepthMidas);
    EXPECT_EQ(stored.controls[0].preprocessModel, onnx);
    EXPECT_EQ(stored.controls[0].model, controlnet);
    EXPECT_DOUBLE_EQ(stored.controls[0].scale, 0.8);
    EXPECT_DOUBLE_EQ(stored.controls[0].end, 0.5);
    const std::string parameters = io::findPngText(text, io::kA1111ParametersKeyword);
    EXPECT_NE(parameters.find("ControlNet 0: \"Module: depth_midas, Model: control_random_s2024, "
                              "Weight: 0.8, Guidance Start: 0, Guidance End: 0.5\""),
              std::string::npos)
        << parameters;
}

} // namespace
} // namespace deadiff::test
