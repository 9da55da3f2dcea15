// A batch job end to end on a real (tiny, random-weight) DEADiff model folder: the real
// tokenizer, text encoder, Q-Formers, UNet and VAE. Proves what the stand-in cannot: across the
// batch the text encoder runs once per distinct prompt and the vision tower once per distinct
// reference; a batch image is exactly the image `generate` makes for its request; a re-run keeps
// everything without running any encoder.
#include "core/batch/batch_runner.h"
#include "core/image/image_io.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <filesystem>

namespace deadiff::batch {
namespace {

namespace fs = std::filesystem;

TEST(BatchTinyModel, RunsAJobReusingEmbeddingsAndResumes) {
    const fs::path dir =
        fs::temp_directory_path() / ("deadiff-batch-tiny-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const std::string model = test::writeTinyModel((dir / "model").string(), 11);
    auto pipeline = Pipeline::load({model, ComputeDtype::Float32});
    const std::string examples = std::string(DEADIFF_SOURCE_DIR) + "/resources/examples";
    // 2 prompts x 2 style sets that share woodcut.png x 2 seeds = 8 images.
    const BatchJob job = parseBatchJob(R"({"template": {"steps": 2, "width": 64, "height": 64,
                                                        "seed": 5, "dtype": "float32"},
        "prompts": ["a red moon", "a cat"],
        "styles": [["woodcut.png"], ["woodcut.png", "neon.png"]],
        "seed_count": 2})",
                                       examples);

    const Pipeline::EncoderRuns before = pipeline->encoderRuns();
    const BatchSummary summary = runBatch(*pipeline, job, (dir / "out").string());
    const Pipeline::EncoderRuns after = pipeline->encoderRuns();
    ASSERT_EQ(summary.outcome, BatchOutcome::Completed) << summary.error;
    EXPECT_EQ(summary.generated, 8);
    // Two prompts and the one negative prompt; woodcut and neon through the style branch.
    EXPECT_EQ(after.text - before.text, 3);
    EXPECT_EQ(after.visionTower - before.visionTower, 2);
    EXPECT_TRUE(fs::exists(dir / "out" / kContactSheetName));

    // Image 7 (a cat, woodcut + neon, seed 5) is what a single generate of its request paints;
    // images of different seeds differ.
    const BatchPlan plan = expandJob(job, 0);
    ASSERT_EQ(plan.requests[6].request.seed, 5u);
    const GenerationResult direct = pipeline->generate(plan.requests[6].request);
    const cv::Mat written = image::readImageRgb((dir / "out" / plan.images[6].fileName).string());
    ASSERT_EQ(written.size(), direct.images.at(0).size());
    EXPECT_EQ(cv::norm(written, direct.images[0], cv::NORM_INF), 0.0);
    const cv::Mat otherSeed = image::readImageRgb((dir / "out" / plan.images[7].fileName).string());
    EXPECT_GT(cv::norm(written, otherSeed, cv::NORM_L1), 0.0);
    EXPECT_EQ(pipeline->encoderRuns().visionTower, after.visionTower) << "all cached";

    const Pipeline::EncoderRuns beforeResume = pipeline->encoderRuns();
    const BatchSummary resumed = runBatch(*pipeline, job, (dir / "out").string());
    EXPECT_EQ(resumed.kept, 8);
    EXPECT_EQ(resumed.generated, 0);
    EXPECT_EQ(pipeline->encoderRuns().text, beforeResume.text);
    EXPECT_EQ(pipeline->encoderRuns().visionTower, beforeResume.visionTower);
    fs::remove_all(dir);
}

} // namespace
} // namespace deadiff::batch
