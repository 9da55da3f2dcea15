// A batch job end to end on the real-size pipeline (the random-weight oracle checkpoint), 64 px,
// one step: the same checks as core's BatchTinyModel test at the real sizes. Across the batch
// the text encoder runs once per distinct prompt and the vision tower once per distinct
// reference, a batch image is the image `generate` makes for its request, and a re-run keeps
// everything without running any encoder.
#include "core/batch/batch_runner.h"
#include "core/image/image_io.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <filesystem>

namespace deadiff::batch {
namespace {

namespace fs = std::filesystem;

TEST(BatchOracle, RunsAJobReusingEmbeddingsAndResumes) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    auto pipeline = Pipeline::load({checkpoint, ComputeDtype::Float32});
    const fs::path out =
        fs::temp_directory_path() / ("deadiff-batch-oracle-" + std::to_string(::getpid()));
    fs::remove_all(out);
    // 2 prompts x 2 style sets that share woodcut.png = 4 images.
    const BatchJob job = parseBatchJob(R"({"template": {"steps": 1, "width": 64, "height": 64,
                                                        "seed": 5, "dtype": "float32"},
        "prompts": ["a castle", "a cat"],
        "styles": [["woodcut.png"], ["woodcut.png", "neon.png"]]})",
                                       DEADIFF_EXAMPLES_DIR);

    const Pipeline::EncoderRuns before = pipeline->encoderRuns();
    const BatchSummary summary = runBatch(*pipeline, job, out.string());
    const Pipeline::EncoderRuns after = pipeline->encoderRuns();
    ASSERT_EQ(summary.outcome, BatchOutcome::Completed) << summary.error;
    EXPECT_EQ(summary.generated, 4);
    // Two prompts and the one negative prompt; woodcut and neon through the style branch.
    EXPECT_EQ(after.text - before.text, 3);
    EXPECT_EQ(after.visionTower - before.visionTower, 2);

    // Image 4 (a cat, woodcut + neon) is what a single generate of its request paints.
    const BatchPlan plan = expandJob(job, 0);
    GenerationRequest single = plan.requests[3].request;
    const GenerationResult direct = pipeline->generate(single);
    const cv::Mat written = image::readImageRgb((out / plan.images[3].fileName).string());
    ASSERT_EQ(written.size(), direct.images.at(0).size());
    EXPECT_EQ(cv::norm(written, direct.images[0], cv::NORM_INF), 0.0);
    EXPECT_EQ(pipeline->encoderRuns().visionTower, after.visionTower) << "all cached";

    const Pipeline::EncoderRuns beforeResume = pipeline->encoderRuns();
    const BatchSummary resumed = runBatch(*pipeline, job, out.string());
    EXPECT_EQ(resumed.kept, 4);
    EXPECT_EQ(resumed.generated, 0);
    EXPECT_EQ(pipeline->encoderRuns().text, beforeResume.text);
    EXPECT_EQ(pipeline->encoderRuns().visionTower, beforeResume.visionTower);
    fs::remove_all(out);
}

} // namespace
} // namespace deadiff::batch
