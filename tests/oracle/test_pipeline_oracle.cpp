// The whole pipeline on the real-layout random-weight checkpoint: loading every component
// by its official key, a generation end to end, determinism, cancellation, and the noise of a
// seed being PyTorch's.
#include "core/io/png.h"
#include "core/io/safetensors.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/paths.h"
#include "tests/support/process.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

namespace deadiff {
namespace {

// LibTorch's CPU generator must be PyTorch's: the oracle drew x with
// torch.manual_seed(0); torch.randn(1, 4, 32, 32) in Python.
TEST(SeedOracle, ManualSeedAndRandnReproducePyTorch) {
    const std::string file = test::oracleRef("unet_step.safetensors");
    if (!std::filesystem::exists(file))
        GTEST_SKIP() << file << " absent";
    const auto reference = io::SafetensorsFile::open(file).tensor("x");
    torch::manual_seed(0);
    const auto ours = torch::randn({1, 4, 32, 32});
    EXPECT_TRUE(torch::equal(ours, reference));
}

class CountingObserver : public GenerationObserver {
public:
    void onStage(const std::string& stage) override { stages.push_back(stage); }
    void onStep(const StepInfo& info) override {
        steps.push_back(info);
        if (cancelAfter >= 0 && static_cast<int>(steps.size()) > cancelAfter)
            cancel = true;
    }
    bool cancelled() const override { return cancel; }

    std::vector<std::string> stages;
    std::vector<StepInfo> steps;
    int cancelAfter = -1;
    bool cancel = false;
};

// One test (one model load: ~30 s and the 7.6 GB file mapped) covering the pipeline's contract.
TEST(PipelineOracle, GeneratesEndToEndDeterministicallyAndCancels) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    std::vector<std::string> loaded;
    auto pipeline =
        Pipeline::load({checkpoint, ComputeDtype::Float32},
                       [&](const std::string& what, double) { loaded.push_back(what); });
    EXPECT_EQ(pipeline->facts().computeDtype, ComputeDtype::Float32);
    EXPECT_GE(loaded.size(), 4u);

    GenerationRequest request;
    request.prompt = "A curly-haired boy";
    request.styles.push_back({test::oracleRef("style_01.jpeg"), std::nullopt});
    request.width = 64;
    request.height = 128; // non-square: latent 8 x 16
    request.steps = 2;
    request.seed = 7;
    request.batch = 2;

    CountingObserver observer;
    const GenerationResult first = pipeline->generate(request, &observer);
    ASSERT_EQ(first.images.size(), 2u);
    for (const cv::Mat& image : first.images) {
        EXPECT_EQ(image.cols, 64);
        EXPECT_EQ(image.rows, 128);
        EXPECT_EQ(image.type(), CV_8UC3);
    }
    EXPECT_EQ(first.request.seed, std::optional<std::uint64_t>(7));
    EXPECT_EQ(first.request.mode, ReferenceMode::Style);
    EXPECT_EQ(first.request.model, checkpoint);
    // DDIM with 2 steps visits t = 501 then 1 (c = 500, timesteps range(0, 1000, 500) + 1).
    ASSERT_EQ(observer.steps.size(), 2u);
    EXPECT_EQ(observer.steps[0].timestep, 501);
    EXPECT_EQ(observer.steps[1].timestep, 1);
    EXPECT_EQ(observer.steps[1].totalSteps, 2);
    EXPECT_GT(observer.steps[0].noiseLevel, observer.steps[1].noiseLevel);
    EXPECT_EQ(observer.steps[0].change, -1.0) << "nothing to compare the first step with";
    EXPECT_GT(observer.steps[1].change, 0.0);
    ASSERT_EQ(observer.steps[0].previews.size(), 2u);
    EXPECT_EQ(observer.steps[0].previews[0].cols, 64);
    EXPECT_EQ(observer.stages.front(), "Encoding prompt");
    EXPECT_EQ(observer.stages.back(), "Decoding image");
    // Two rows of one noise draw are two different images.
    EXPECT_GT(cv::norm(first.images[0], first.images[1], cv::NORM_L1), 0.0);

    // Same request, same pixels; another seed, other pixels.
    const GenerationResult again = pipeline->generate(request);
    EXPECT_EQ(cv::norm(first.images[0], again.images[0], cv::NORM_INF), 0.0);
    GenerationRequest otherSeed = request;
    otherSeed.seed = 8;
    otherSeed.batch = 1;
    const GenerationResult other = pipeline->generate(otherSeed);
    EXPECT_GT(cv::norm(first.images[0], other.images[0], cv::NORM_L1), 0.0);

    // The reference matters: mode none (zero image tokens) changes the image.
    GenerationRequest plain = request;
    plain.batch = 1;
    plain.mode = ReferenceMode::None;
    GenerationRequest styled = request;
    styled.batch = 1;
    EXPECT_GT(cv::norm(pipeline->generate(plain).images[0], pipeline->generate(styled).images[0],
                       cv::NORM_L1),
              0.0);

    // The k-diffusion samplers keep the StepInfo contract: step index, falling timestep and
    // noise level (their sigmas: 14.6146 = σ(999) down to σmin = σ(0) = 0.0292 for both
    // schedules at 3 steps), a preview per image; a seed reproduces the pixels (Euler a too).
    std::vector<cv::Mat> kImages;
    for (const SamplerKind sampler : {SamplerKind::DpmPp2m, SamplerKind::EulerAncestral}) {
        SCOPED_TRACE(nameOf(sampler));
        GenerationRequest kRequest = request;
        kRequest.batch = 1;
        kRequest.sampler = sampler;
        kRequest.steps = 3;
        CountingObserver kObserver;
        const GenerationResult kFirst = pipeline->generate(kRequest, &kObserver);
        ASSERT_EQ(kObserver.steps.size(), 3u);
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(kObserver.steps[i].step, i);
            EXPECT_EQ(kObserver.steps[i].totalSteps, 3);
            EXPECT_EQ(kObserver.steps[i].previews.size(), 1u);
        }
        EXPECT_EQ(kObserver.steps[0].timestep, 999);
        EXPECT_EQ(kObserver.steps[2].timestep, 0);
        EXPECT_GT(kObserver.steps[1].timestep, 0);
        EXPECT_LT(kObserver.steps[1].timestep, 999);
        EXPECT_NEAR(kObserver.steps[0].noiseLevel, 14.6146, 1e-3);
        EXPECT_NEAR(kObserver.steps[2].noiseLevel, 0.0292, 1e-4);
        EXPECT_GT(kObserver.steps[1].noiseLevel, kObserver.steps[2].noiseLevel);
        EXPECT_EQ(kObserver.steps[0].change, -1.0);
        const GenerationResult kAgain = pipeline->generate(kRequest);
        EXPECT_EQ(cv::norm(kFirst.images[0], kAgain.images[0], cv::NORM_INF), 0.0);
        kImages.push_back(kFirst.images[0]);
    }
    EXPECT_GT(cv::norm(kImages[0], kImages[1], cv::NORM_L1), 0.0);

    // Cancel after the first step: CancelledError, no result.
    GenerationRequest longer = request;
    longer.batch = 1;
    longer.steps = 10;
    CountingObserver canceller;
    canceller.cancelAfter = 0;
    EXPECT_THROW(pipeline->generate(longer, &canceller), CancelledError);
    EXPECT_EQ(canceller.steps.size(), 1u);

    // A bad request names the field; a missing reference names the file.
    GenerationRequest badSize = request;
    badSize.width = 100;
    EXPECT_THROW(pipeline->generate(badSize), RequestError);
    GenerationRequest missing = request;
    missing.styles = {{"/nonexistent/ref.png", std::nullopt}};
    try {
        pipeline->generate(missing);
        FAIL() << "a missing reference must fail";
    } catch (const std::exception& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent/ref.png"), std::string::npos)
            << error.what();
    }
}

TEST(PipelineOracle, RejectsFilesThatAreNotDeadiffModels) {
    const std::string controlnet = test::oracleCheckpoint().empty()
                                       ? std::string()
                                       : std::filesystem::path(test::oracleCheckpoint())
                                             .replace_filename("control_random_s2024.safetensors")
                                             .string();
    if (controlnet.empty() || !std::filesystem::exists(controlnet))
        GTEST_SKIP() << "ControlNet oracle checkpoint absent: " << test::oracleCheckpointRecipe();
    try {
        Pipeline::load({controlnet, ComputeDtype::Float32});
        FAIL() << "a ControlNet file is not a DEADiff model";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("ControlNet"), std::string::npos) << error.what();
    }
}

// The "done when": the CLI writes a PNG end to end from a real-layout checkpoint, with
// the settings in its metadata.
TEST(CliOracle, GenerateWritesAPngWithItsSettings) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    const std::string out = (std::filesystem::temp_directory_path() /
                             ("deadiff-cli-oracle-" + std::to_string(::getpid()) + ".png"))
                                .string();
    const auto result = test::runProcess({DEADIFF_CLI_EXE,
                                          "generate",
                                          "--model",
                                          checkpoint,
                                          "--prompt",
                                          "A curly-haired boy",
                                          "--style",
                                          test::oracleRef("style_01.jpeg"),
                                          "--seed",
                                          "42",
                                          "--steps",
                                          "2",
                                          "--cfg",
                                          "8",
                                          "--width",
                                          "64",
                                          "--height",
                                          "64",
                                          "--dtype",
                                          "float32",
                                          "-o",
                                          out});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, out + "\n");
    EXPECT_NE(result.err.find("2/2"), std::string::npos) << "progress on stderr: " << result.err;
    const io::PngText text = io::readPngText(out);
    const std::string parameters = io::findPngText(text, io::kA1111ParametersKeyword);
    EXPECT_NE(parameters.find("Steps: 2, Sampler: DDIM, CFG scale: 8, Seed: 42, Size: 64x64"),
              std::string::npos)
        << parameters;
    const GenerationRequest stored =
        requestFromJson(io::findPngText(text, io::kRequestJsonKeyword), JsonStrictness::Strict);
    EXPECT_EQ(stored.seed, std::optional<std::uint64_t>(42));
    EXPECT_EQ(stored.prompt, "A curly-haired boy");
    EXPECT_EQ(stored.styles.at(0).path, test::oracleRef("style_01.jpeg"));
    std::filesystem::remove(out);
}

// Issue 4's "done when": `deadiff encode` on a real-layout checkpoint prints each context's
// shape and statistics; they must be those of the official code's tensors.
TEST(CliOracle, EncodePrintsTheOfficialContexts) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    const std::string saved = (std::filesystem::temp_directory_path() /
                               ("deadiff-encode-" + std::to_string(::getpid()) + ".safetensors"))
                                  .string();
    const auto result = test::runProcess({DEADIFF_CLI_EXE, "encode", "--model", checkpoint,
                                          "--prompt", "A curly-haired boy", "--style",
                                          test::oracleRef("style_01.jpeg"), "--save", saved});
    ASSERT_EQ(result.exitCode, 0) << result.err;

    const auto text = io::SafetensorsFile::open(test::oracleRef("text_encoder.safetensors"));
    const auto style = io::SafetensorsFile::open(test::oracleRef("style_01.safetensors"));
    const std::vector<std::pair<std::string, torch::Tensor>> expected = {
        {"text", text.tensor("prompt_hidden")},
        {"negative_text", text.tensor("negative_hidden")},
        {"style", style.tensor("ctx")},
        {"content", torch::zeros({1, 16, 768})}};
    std::istringstream lines(result.out);
    for (const auto& [name, reference] : expected) {
        std::string printedName, shape, meanWord, stdWord;
        double mean = 0, deviation = 0;
        lines >> printedName >> shape >> meanWord >> mean >> stdWord >> deviation;
        EXPECT_EQ(printedName, name) << result.out;
        const auto values = reference.to(torch::kDouble);
        EXPECT_NEAR(mean, values.mean().item<double>(), 2e-5) << name;
        EXPECT_NEAR(deviation, values.std().item<double>(), 2e-5) << name;
    }
    const auto contexts = io::SafetensorsFile::open(saved);
    for (const auto& [name, reference] : expected) {
        const auto ours = contexts.tensor(name).to(torch::kDouble);
        ASSERT_EQ(ours.sizes(), reference.sizes()) << name;
        const double scale = std::max(reference.abs().max().item<double>(), 1e-12);
        EXPECT_LE((ours - reference.to(torch::kDouble)).abs().max().item<double>() / scale, 1e-4)
            << name;
    }
    std::filesystem::remove(saved);
}

} // namespace
} // namespace deadiff
