#include "core/batch/batch_runner.h"

#include "core/batch/contact_sheet.h"
#include "core/image/image_io.h"
#include "core/io/atomic_file.h"
#include "tests/support/gradient_pipeline.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace deadiff::batch {
namespace {

namespace fs = std::filesystem;
using testing::GradientPipeline;
using testing::GradientProbe;

class BatchRunner : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff-batch-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "refs");
        probe_->stepMillis = 0;
        pipeline_ = std::make_unique<GradientPipeline>("/models/gradient.safetensors", probe_);
        for (const char* name : {"ink", "neon"})
            io::writePng((dir_ / "refs" / (std::string(name) + ".png")).string(),
                         cv::Mat(32, 32, CV_8UC3, cv::Scalar(name[0], 90, 30)));
    }
    void TearDown() override { fs::remove_all(dir_); }

    // 2 prompts x 2 style sets x 2 seeds = 8 images of 64 x 64.
    BatchJob job() const {
        return parseBatchJob(R"({"template": {"steps": 3, "width": 64, "height": 64, "seed": 1},
            "prompts": ["a castle", "a cat"],
            "styles": [["refs/ink.png"], ["refs/ink.png", "refs/neon.png"]],
            "seeds": [11, 12]})",
                             dir_.string());
    }
    std::string out() const { return (dir_ / "out").string(); }
    std::vector<std::string> pngsIn(const fs::path& folder) const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder))
            names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    nlohmann::json manifest() const {
        std::ifstream in(dir_ / "out" / "manifest.json");
        return nlohmann::json::parse(in);
    }

    fs::path dir_;
    std::shared_ptr<GradientProbe> probe_ = std::make_shared<GradientProbe>();
    std::unique_ptr<GradientPipeline> pipeline_;
};

struct Recorder : BatchObserver {
    void onPlanned(const BatchPlan& p) override { plan = p; }
    void onProgress(const BatchProgress& p) override { progress.push_back(p); }
    void onImage(const BatchImageDone& image) override {
        images.push_back(image);
        if (cancelAfter > 0 && static_cast<int>(images.size()) == cancelAfter && control)
            control->cancel();
    }
    BatchPlan plan;
    std::vector<BatchProgress> progress;
    std::vector<BatchImageDone> images;
    int cancelAfter = 0;
    BatchControl* control = nullptr;
};

TEST_F(BatchRunner, WritesEveryImageWithMetadataManifestAndContactSheet) {
    Recorder recorder;
    const BatchSummary summary = runBatch(*pipeline_, job(), out(), &recorder);
    EXPECT_EQ(summary.outcome, BatchOutcome::Completed) << summary.error;
    EXPECT_EQ(summary.generated, 8);
    EXPECT_EQ(summary.kept, 0);
    EXPECT_EQ(probe_->generateCalls, 8);
    ASSERT_EQ(recorder.plan.images.size(), 8u);
    ASSERT_EQ(recorder.images.size(), 8u);

    // Each PNG carries the planned request (model and mode resolved), as `generate` writes it.
    for (std::size_t i = 0; i < 8; ++i) {
        const PlannedImage& image = recorder.plan.images[i];
        const std::string path = (fs::path(out()) / image.fileName).string();
        const std::string stored = io::findPngText(io::readPngText(path), io::kRequestJsonKeyword);
        const GenerationRequest request = requestFromJson(stored);
        EXPECT_EQ(request, recorder.images[i].request);
        EXPECT_EQ(request.model, "/models/gradient.safetensors");
        EXPECT_EQ(request.mode, ReferenceMode::Style);
        EXPECT_FALSE(io::findPngText(io::readPngText(path), io::kA1111ParametersKeyword).empty());
        EXPECT_EQ(image::readImageRgb(path).cols, 64);
    }
    EXPECT_EQ(recorder.plan.images[5].fileName, "6_12_ink_a_cat.png");
    const auto json = manifest();
    ASSERT_EQ(json["images"].size(), 8u);
    for (const auto& image : json["images"])
        EXPECT_EQ(image["status"], "generated");

    const cv::Mat sheet = image::readImageRgb(summary.contactSheet);
    const ContactSheetLayout layout = contactSheetLayout(recorder.plan, 192);
    EXPECT_EQ(sheet.cols, layout.width());
    EXPECT_EQ(sheet.rows, layout.height());
    EXPECT_EQ(layout.rows, 4); // prompt x style
    EXPECT_EQ(layout.cols, 2); // seeds

    // Progress: the overall count only grows, ends at 8 of 8 with no time left.
    int done = 0;
    for (const BatchProgress& p : recorder.progress) {
        EXPECT_GE(p.imagesDone, done);
        done = p.imagesDone;
        EXPECT_EQ(p.imagesTotal, 8);
    }
    EXPECT_EQ(recorder.progress.back().imagesDone, 8);
    EXPECT_EQ(recorder.progress.back().etaSeconds, 0);
    // There were per-step updates of each request (3 steps).
    EXPECT_TRUE(
        std::any_of(recorder.progress.begin(), recorder.progress.end(),
                    [](const BatchProgress& p) { return p.step == 3 && p.totalSteps == 3; }));
}

TEST_F(BatchRunner, ResumeKeepsMatchingImagesAndRemakesChangedOrBrokenOnes) {
    ASSERT_EQ(runBatch(*pipeline_, job(), out()).generated, 8);
    ASSERT_EQ(probe_->generateCalls, 8);

    const BatchSummary again = runBatch(*pipeline_, job(), out());
    EXPECT_EQ(again.outcome, BatchOutcome::Completed);
    EXPECT_EQ(again.kept, 8);
    EXPECT_EQ(again.generated, 0);
    EXPECT_EQ(probe_->generateCalls, 8) << "nothing is generated twice";
    EXPECT_EQ(manifest()["images"][0]["status"], "kept");

    // Damage one file (a truncated PNG: its text chunks are intact, its pixels are not), give
    // another a different request, and leave a temporary of an interrupted write.
    const auto plan = expandJob(job(), 0);
    const fs::path truncated = fs::path(out()) / plan.images[1].fileName;
    fs::resize_file(truncated, fs::file_size(truncated) - 40);
    const fs::path changed = fs::path(out()) / plan.images[6].fileName;
    GenerationRequest other = requestFromJson(
        io::findPngText(io::readPngText(changed.string()), io::kRequestJsonKeyword));
    other.cfg = 3;
    io::writePng(changed.string(), cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)),
                 {{io::kRequestJsonKeyword, toJson(other)}});
    std::ofstream(fs::path(out()) / (plan.images[2].fileName + ".partial-AbC123")) << "half";

    Recorder recorder;
    const BatchSummary third = runBatch(*pipeline_, job(), out(), &recorder);
    EXPECT_EQ(third.generated, 2);
    EXPECT_EQ(third.kept, 6);
    EXPECT_EQ(probe_->generateCalls, 10);
    EXPECT_EQ(manifest()["images"][1]["status"], "generated");
    EXPECT_EQ(manifest()["images"][6]["status"], "generated");
    EXPECT_EQ(manifest()["images"][2]["status"], "kept");
    EXPECT_TRUE(existingOutputMatches(changed.string(), recorder.plan.requests[6].request));
    for (const std::string& name : pngsIn(out()))
        EXPECT_EQ(name.find(".partial-"), std::string::npos) << name;

    // --fresh: everything again.
    BatchOptions fresh;
    fresh.resume = false;
    EXPECT_EQ(runBatch(*pipeline_, job(), out(), nullptr, nullptr, fresh).generated, 8);
}

TEST_F(BatchRunner, AnUnseededJobRecordsItsBaseSeedSoARerunResumes) {
    BatchJob unseeded = parseBatchJob(
        R"({"template": {"steps": 1, "width": 64, "height": 64}, "prompts": ["x"], "seed_count": 2})",
        dir_.string());
    BatchOptions options;
    options.drawSeed = [] { return std::uint64_t{4000}; };
    Recorder recorder;
    const BatchSummary first = runBatch(*pipeline_, unseeded, out(), &recorder, nullptr, options);
    EXPECT_EQ(first.baseSeed, 4000u);
    EXPECT_EQ(recorder.images[1].request.seed, 4001u);
    options.drawSeed = [] { return std::uint64_t{9}; }; // would change every seed
    const BatchSummary second = runBatch(*pipeline_, unseeded, out(), nullptr, nullptr, options);
    EXPECT_EQ(second.baseSeed, 4000u);
    EXPECT_EQ(second.kept, 2);
}

TEST_F(BatchRunner, AFailedWriteStopsTheJobAndKeepsWhatWasWritten) {
    // The third image's write runs out of space half-way through, through the real AtomicFile.
    int writes = 0;
    BatchOptions options;
    options.writer = [&](const std::string& path, const cv::Mat& rgb, const io::PngText& text) {
        if (++writes == 3) {
            io::AtomicFile file(path);
            file.write("\x89PNG\r\n\x1a\n", 8);
            throw std::runtime_error("cannot write " + path +
                                     ": No space left on device (disk full?)");
        }
        io::writePng(path, rgb, text);
    };
    const BatchSummary summary = runBatch(*pipeline_, job(), out(), nullptr, nullptr, options);
    EXPECT_EQ(summary.outcome, BatchOutcome::Failed);
    EXPECT_NE(summary.error.find("disk full"), std::string::npos) << summary.error;
    EXPECT_NE(summary.error.find("2 finished image(s) and the manifest are kept"),
              std::string::npos)
        << summary.error;
    EXPECT_EQ(summary.generated, 2);
    EXPECT_EQ(probe_->generateCalls, 3) << "the job stops at the failure";

    const auto plan = expandJob(job(), 0);
    EXPECT_TRUE(fs::exists(fs::path(out()) / plan.images[0].fileName));
    EXPECT_TRUE(fs::exists(fs::path(out()) / plan.images[1].fileName));
    EXPECT_FALSE(fs::exists(fs::path(out()) / plan.images[2].fileName));
    for (const std::string& name : pngsIn(out()))
        EXPECT_EQ(name.find(".partial-"), std::string::npos) << "no half-written file: " << name;
    const auto json = manifest();
    EXPECT_EQ(json["images"][1]["status"], "generated");
    EXPECT_EQ(json["images"][2]["status"], "failed");
    EXPECT_EQ(json["images"][3]["status"], "pending");

    // Space again: the re-run makes only what is missing.
    const BatchSummary resumed = runBatch(*pipeline_, job(), out());
    EXPECT_EQ(resumed.kept, 2);
    EXPECT_EQ(resumed.generated, 6);
}

TEST_F(BatchRunner, AKillMidWriteLeavesNoBrokenPngAndTheRerunCompletesIt) {
    const auto plan = expandJob(job(), 0);
    const fs::path target = fs::path(out()) / plan.images[0].fileName;
    fs::create_directories(out());
    // A process killed (SIGKILL: no destructor, no cleanup) half-way through writing the PNG.
    // The default "fast" death-test style forks: the child writes into this test's folder.
    EXPECT_EXIT(
        {
            io::AtomicFile file(target.string());
            const std::string half(4096, 'x');
            file.write("\x89PNG\r\n\x1a\n", 8);
            file.write(half.data(), half.size());
            std::fflush(file.stream());
            std::raise(SIGKILL);
        },
        ::testing::KilledBySignal(SIGKILL), "");
    EXPECT_FALSE(fs::exists(target)) << "readers never see a half-written PNG";
    ASSERT_EQ(pngsIn(out()).size(), 1u);
    EXPECT_NE(pngsIn(out())[0].find(".partial-"), std::string::npos);

    const BatchSummary summary = runBatch(*pipeline_, job(), out());
    EXPECT_EQ(summary.generated, 8);
    EXPECT_TRUE(existingOutputMatches(
        target.string(), resolveRequest(plan.requests[0].request, pipeline_->facts())));
    for (const std::string& name : pngsIn(out()))
        EXPECT_EQ(name.find(".partial-"), std::string::npos) << name;
}

TEST_F(BatchRunner, AReferenceThatDoesNotDecodeStopsTheJobNamingIt) {
    probe_->readReferences = true;
    { std::ofstream(dir_ / "refs" / "neon.png") << "not a png"; }
    const BatchSummary summary = runBatch(*pipeline_, job(), out());
    EXPECT_EQ(summary.outcome, BatchOutcome::Failed);
    EXPECT_NE(summary.error.find("neon.png"), std::string::npos) << summary.error;
    EXPECT_NE(summary.error.find("image 3 of 8"), std::string::npos) << summary.error;
    EXPECT_EQ(summary.generated, 2); // the ink-only images before it
    EXPECT_EQ(manifest()["images"][2]["status"], "failed");
}

TEST_F(BatchRunner, AMissingReferenceFailsBeforeAnyImage) {
    fs::remove(dir_ / "refs" / "neon.png");
    const BatchSummary summary = runBatch(*pipeline_, job(), out());
    EXPECT_EQ(summary.outcome, BatchOutcome::Failed);
    EXPECT_NE(summary.error.find("cannot read the style reference " +
                                 (dir_ / "refs" / "neon.png").string() + " (no such file)"),
              std::string::npos)
        << summary.error;
    EXPECT_EQ(probe_->generateCalls, 0);
}

TEST_F(BatchRunner, CancelStopsAfterTheCurrentStepAndKeepsFinishedImages) {
    BatchControl control;
    Recorder recorder;
    recorder.cancelAfter = 3;
    recorder.control = &control;
    const BatchSummary summary = runBatch(*pipeline_, job(), out(), &recorder, &control);
    EXPECT_EQ(summary.outcome, BatchOutcome::Cancelled);
    EXPECT_EQ(summary.generated, 3);
    EXPECT_EQ(probe_->generateCalls, 3);
    EXPECT_EQ(manifest()["images"][3]["status"], "pending");
    EXPECT_FALSE(summary.contactSheet.empty()) << "a partial sheet shows what was made";
}

TEST_F(BatchRunner, PauseHoldsTheJobUntilResumed) {
    BatchControl control;
    control.pause();
    BatchSummary summary;
    std::thread runner([&] { summary = runBatch(*pipeline_, job(), out(), nullptr, &control); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(probe_->generateCalls, 0) << "paused before the first image";
    EXPECT_TRUE(control.isPaused());
    control.resume();
    runner.join();
    EXPECT_EQ(summary.outcome, BatchOutcome::Completed);
    EXPECT_EQ(summary.generated, 8);

    // Cancel while paused wakes the runner.
    BatchControl second;
    second.pause();
    BatchOptions fresh;
    fresh.resume = false;
    std::thread paused(
        [&] { summary = runBatch(*pipeline_, job(), out(), nullptr, &second, fresh); });
    second.cancel();
    paused.join();
    EXPECT_EQ(summary.outcome, BatchOutcome::Cancelled);
}

TEST_F(BatchRunner, AJobThatCannotBePlannedThrowsNamingTheField) {
    BatchJob bad = job();
    bad.imageWeights = {1.0, -3.0};
    EXPECT_THROW(
        {
            try {
                runBatch(*pipeline_, bad, out());
            } catch (const BatchJobError& error) {
                EXPECT_NE(std::string(error.what()).find("image_weight[1]"), std::string::npos);
                throw;
            }
        },
        BatchJobError);
}

} // namespace
} // namespace deadiff::batch
