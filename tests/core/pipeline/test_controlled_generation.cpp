// Several ControlNets at once on a tiny random-weight model folder (tests/support/tiny_model):
// their residuals are summed (each against each alone), a ControlNet at strength 0 or outside
// its step window leaves the image bit-identical, two halves make one whole, the hints as used
// come back with the result, and a ControlNet of another size is refused naming both sizes.
#include "core/control/hint.h"
#include "core/io/png.h"
#include "core/io/safetensors.h"
#include "core/io/weight_file.h"
#include "core/nn/controlnet.h"
#include "core/pipeline/control_stack.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <unistd.h>

namespace deadiff::pipeline {
namespace {

namespace fs = std::filesystem;

// A ControlNet for the tiny model (its encoder's sizes, a hint encoder for 1/4 latents) with
// random weights everywhere, zero convolutions included, so its residuals are not zero.
nn::ControlNetModel randomControlNet(std::uint64_t seed, std::int64_t modelChannels = 32) {
    torch::manual_seed(seed);
    nn::ControlNetConfig config;
    config.unet = test::tinyModelConfig().unet;
    config.unet.modelChannels = modelChannels;
    config.hintWidths = {8, 16, 16};
    nn::ControlNetModel control(config);
    control->eval();
    return control;
}

std::string writeControlNet(const nn::ControlNetModel& control, const std::string& path) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [key, value] : nn::stateDictOf(*control, "control_model."))
        tensors.emplace_back(key, value.contiguous());
    io::writeSafetensors(path, tensors);
    return path;
}

class ControlledGeneration : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("deadiff-controlled-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        const std::string model = test::writeTinyModel((dir_ / "model").string(), 11);
        pipeline_ = Pipeline::load({model, ComputeDtype::Float32}).release();
        a_ = writeControlNet(randomControlNet(1), (dir_ / "a_canny.safetensors").string());
        aCopy_ = writeControlNet(randomControlNet(1), (dir_ / "a_copy.safetensors").string());
        b_ = writeControlNet(randomControlNet(2), (dir_ / "b_depth.safetensors").string());
        cv::Mat picture(64, 64, CV_8UC3, cv::Scalar(20, 30, 40));
        cv::rectangle(picture, cv::Rect(12, 20, 30, 24), cv::Scalar(230, 220, 210), cv::FILLED);
        hint_ = (dir_ / "hint.png").string();
        io::writePng(hint_, picture);
    }
    static void TearDownTestSuite() {
        delete pipeline_;
        pipeline_ = nullptr;
        fs::remove_all(dir_);
    }

    static GenerationRequest plain() {
        GenerationRequest request;
        request.prompt = "a red moon";
        request.width = 64;
        request.height = 64;
        request.steps = 2; // fractions 0 and 0.5
        request.seed = 5;
        request.cfg = 3; // both CFG halves run
        request.dtype = ComputeDtype::Float32;
        return request;
    }
    static control::ControlUnit unit(const std::string& model, double scale = 1.0) {
        control::ControlUnit unit;
        unit.model = model;
        unit.hintFrom = hint_;
        unit.preprocess = control::Preprocessor::Canny;
        unit.scale = scale;
        return unit;
    }
    static cv::Mat generate(const std::vector<control::ControlUnit>& controls) {
        GenerationRequest request = plain();
        request.controls = controls;
        return pipeline_->generate(request).images.at(0);
    }
    static double difference(const cv::Mat& a, const cv::Mat& b) {
        return cv::norm(a, b, cv::NORM_INF);
    }

    static fs::path dir_;
    static Pipeline* pipeline_;
    static std::string a_, aCopy_, b_, hint_;
};

fs::path ControlledGeneration::dir_;
Pipeline* ControlledGeneration::pipeline_ = nullptr;
std::string ControlledGeneration::a_, ControlledGeneration::aCopy_, ControlledGeneration::b_,
    ControlledGeneration::hint_;

// The residuals of two ControlNets together are the sum of each one's alone, scaled; the
// UNet given the stack's residuals equals the UNet given that sum.
TEST_F(ControlledGeneration, TwoControlNetsGiveTheSumOfTheirResiduals) {
    torch::NoGradGuard noGrad;
    nn::ControlNetModel a = randomControlNet(1), b = randomControlNet(2);
    control::ControlUnit ua = unit(a_, 0.7), ub = unit(b_, 1.3);
    const torch::Tensor hintA = torch::rand({1, 3, 64, 64}), hintB = torch::rand({1, 3, 64, 64});
    ControlStack both, onlyA, onlyB;
    both.add(a, hintA, ua);
    both.add(b, hintB, ub);
    onlyA.add(a, hintA, ua);
    onlyB.add(b, hintB, ub);
    const torch::Tensor x = torch::randn({2, 4, 16, 16});
    const torch::Tensor t = torch::tensor({500, 500});
    const torch::Tensor text = torch::randn({2, 77, 32});
    const auto sum = both.residuals(x, t, text, 0, 2);
    const auto first = onlyA.residuals(x, t, text, 0, 2);
    const auto second = onlyB.residuals(x, t, text, 0, 2);
    const auto direct = a->forward(x, hintA, t, text);
    ASSERT_EQ(sum.size(), 13u); // conv_in, 4 levels x 2 res blocks, 3 downsamples, middle
    for (std::size_t i = 0; i < sum.size(); ++i) {
        EXPECT_TRUE(torch::equal(first[i], direct[i] * 0.7)) << i;
        EXPECT_TRUE(torch::equal(sum[i], first[i] + second[i])) << i;
        EXPECT_GT(second[i].abs().max().item<float>(), 0.0f) << i;
    }
    // Outside B's window only A acts; outside both, nothing at all.
    ub.start = 0.5;
    ControlStack late;
    late.add(a, hintA, unit(a_, 0.7));
    late.add(b, hintB, ub);
    const auto early = late.residuals(x, t, text, 0, 2);
    for (std::size_t i = 0; i < early.size(); ++i)
        EXPECT_TRUE(torch::equal(early[i], first[i])) << i;
    ControlStack none;
    none.add(b, hintB, ub);
    EXPECT_TRUE(none.residuals(x, t, text, 0, 2).empty());
}

TEST_F(ControlledGeneration, StrengthZeroOrOutsideTheWindowLeavesTheImageBitIdentical) {
    const cv::Mat reference = generate({});
    const cv::Mat controlled = generate({unit(a_)});
    EXPECT_GT(difference(controlled, reference), 0.0);
    EXPECT_EQ(difference(generate({unit(a_, 0.0)}), reference), 0.0);
    control::ControlUnit never = unit(a_);
    never.start = 0.6; // no step at fraction >= 0.6
    EXPECT_EQ(difference(generate({never}), reference), 0.0);
    // Next to another ControlNet, the idle one changes nothing either.
    EXPECT_EQ(difference(generate({unit(b_), unit(a_, 0.0)}), generate({unit(b_)})), 0.0);
    EXPECT_EQ(difference(generate({never, unit(b_)}), generate({unit(b_)})), 0.0);
}

// The image with A and B differs from each alone; A at 0.5 twice (two files, two networks)
// is A at 1 bit for bit: halves of a residual are exact, and so is their sum.
TEST_F(ControlledGeneration, SeveralControlNetsAddUp) {
    const cv::Mat both = generate({unit(a_), unit(b_)});
    EXPECT_GT(difference(both, generate({unit(a_)})), 0.0);
    EXPECT_GT(difference(both, generate({unit(b_)})), 0.0);
    EXPECT_EQ(difference(generate({unit(a_, 0.5), unit(aCopy_, 0.5)}), generate({unit(a_)})), 0.0);
    // The hints as used come back, one per unit, at the image size: canny of the picture.
    GenerationRequest request = plain();
    request.controls = {unit(a_), unit(b_, 0.0)};
    const GenerationResult result = pipeline_->generate(request);
    ASSERT_EQ(result.hints.size(), 2u);
    const cv::Mat expected = control::hintToRgb8(control::HintMaker().make(unit(a_), 64, 64));
    EXPECT_EQ(difference(result.hints[0], expected), 0.0);
    EXPECT_GT(cv::countNonZero(result.hints[0].reshape(1)), 0);
}

TEST_F(ControlledGeneration, AControlNetOfAnotherSizeIsRefusedNamingBothSizes) {
    const std::string wide =
        writeControlNet(randomControlNet(3, 64), (dir_ / "wide.safetensors").string());
    try {
        generate({unit(wide)});
        FAIL() << "a 64-channel ControlNet attached to a 32-channel UNet";
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(wide), std::string::npos) << message;
        EXPECT_NE(message.find("64 channels"), std::string::npos) << message;
        EXPECT_NE(message.find("32 channels"), std::string::npos) << message;
    }
    // The pipeline stays usable.
    EXPECT_GT(difference(generate({unit(a_)}), generate({})), 0.0);
}

} // namespace
} // namespace deadiff::pipeline
