// `deadiff batch`: in-process with the stand-in pipeline (tests/support/gradient_pipeline.h) for
// the full run, resume and errors; the real binary for the shipped example job and help.
#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "tests/support/gradient_pipeline.h"
#include "tests/support/process.h"
#include "tests/support/tiny_model.h"

#include "core/io/png.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;
const std::string kCli = DEADIFF_CLI_EXE;
const std::string kExamples = DEADIFF_EXAMPLES_DIR;

struct CliRun {
    int code = -1;
    std::string out, err;
};

class CliBatch : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff-cli-batch-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        probe_->stepMillis = 0;
        writeJob(R"({"template": {"model": "demo.model", "steps": 2, "width": 64, "height": 64,
                        "seed": 3},
                     "prompts": ["a castle", "a cat"],
                     "styles": [["refs/neon.png"], ["refs/woodcut.png"]]})");
        fs::create_directories(dir_ / "refs");
        std::ofstream(dir_ / "demo.model") << "stand-in";
        for (const char* name : {"neon.png", "woodcut.png"})
            fs::copy_file(fs::path(kExamples) / name, dir_ / "refs" / name);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void writeJob(const std::string& json) { std::ofstream(dir_ / "job.json") << json; }

    CliRun run(std::vector<std::string> args) {
        std::ostringstream out, err;
        CliRun result;
        result.code = runBatchJob(
            args, {out, err},
            [this](const LoadOptions& options, const LoadProgress&) -> std::unique_ptr<Pipeline> {
                loadedModel_ = options.model;
                return std::make_unique<testing::GradientPipeline>(options.model, probe_);
            });
        result.out = out.str();
        result.err = err.str();
        return result;
    }
    std::string job() const { return (dir_ / "job.json").string(); }
    std::string out() const { return (dir_ / "out").string(); }

    fs::path dir_;
    std::shared_ptr<testing::GradientProbe> probe_ = std::make_shared<testing::GradientProbe>();
    std::string loadedModel_;
};

int lineCount(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(CliBatch, RunsTheJobAndResumes) {
    const CliRun first = run({job(), "-o", out()});
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_EQ(loadedModel_, (dir_ / "demo.model").string()) << "the model is relative to the job";
    EXPECT_EQ(lineCount(first.out), 4) << first.out; // one path per image
    EXPECT_NE(first.out.find(out() + "/1_3_neon_a_castle.png\n"), std::string::npos) << first.out;
    EXPECT_NE(first.err.find("4 images: 4 generated, 0 kept"), std::string::npos) << first.err;
    EXPECT_NE(first.err.find("ETA"), std::string::npos) << "per-step progress with the job ETA";
    for (const char* name : {"1_3_neon_a_castle.png", "4_3_woodcut_a_cat.png", "manifest.csv",
                             "manifest.json", "contact-sheet.png"})
        EXPECT_TRUE(fs::exists(fs::path(out()) / name)) << name;
    const std::string stored =
        io::findPngText(io::readPngText((fs::path(out()) / "2_3_woodcut_a_castle.png").string()),
                        io::kRequestJsonKeyword);
    const GenerationRequest request = requestFromJson(stored);
    EXPECT_EQ(request.styles.at(0).path, (dir_ / "refs" / "woodcut.png").string());
    EXPECT_EQ(request.seed, 3u);

    const CliRun second = run({job(), "-o", out()});
    ASSERT_EQ(second.code, 0) << second.err;
    EXPECT_NE(second.err.find("4 images: 0 generated, 4 kept"), std::string::npos) << second.err;
    EXPECT_EQ(probe_->generateCalls, 4);

    const CliRun fresh = run(
        {job(), "-o", out(), "--fresh", "--no-contact-sheet", "--name-template", "{seed}-{index}"});
    ASSERT_EQ(fresh.code, 0) << fresh.err;
    EXPECT_EQ(probe_->generateCalls, 8);
    EXPECT_TRUE(fs::exists(fs::path(out()) / "3-4.png"));
}

TEST_F(CliBatch, DryRunListsThePlanWithoutAModel) {
    const CliRun dry = run({job(), "--dry-run"});
    ASSERT_EQ(dry.code, 0) << dry.err;
    EXPECT_EQ(loadedModel_, "") << "no model is loaded";
    EXPECT_EQ(dry.out.rfind("4 images from 4 requests: 2 prompt x 2 style\n", 0), 0u) << dry.out;
    EXPECT_NE(dry.out.find("3_3_neon_a_cat.png\t{"), std::string::npos) << dry.out;
}

TEST_F(CliBatch, AJobWithoutAModelUsesTheBundledDemoModel) {
    writeJob(R"({"template": {"steps": 2, "width": 64, "height": 64, "seed": 3},
                 "prompts": ["a cat"], "styles": [["refs/neon.png"]]})");
    const fs::path demo = dir_ / "demo-model";
    fs::create_directories(demo);
    std::ofstream(demo / "model.json") << "{}"; // what makes a folder the bundled model
    ::setenv("DEADIFF_DEMO_MODEL", demo.c_str(), 1);
    const CliRun result = run({job(), "-o", out()});
    ::unsetenv("DEADIFF_DEMO_MODEL");
    ASSERT_EQ(result.code, 0) << result.err;
    EXPECT_EQ(loadedModel_, demo.string());
    EXPECT_EQ(lineCount(result.out), 1) << result.out;
}

TEST_F(CliBatch, BadJobsAreUsageErrorsNamingTheField) {
    writeJob(R"({"prompts": ["a"], "styles": [["refs/neon.png", 5]]})");
    // runBatchJob throws UsageError (runCli prints it and exits with 2: see the binary test).
    try {
        run({job(), "-o", out()});
        ADD_FAILURE() << "no error";
    } catch (const UsageError& error) {
        EXPECT_NE(std::string(error.what()).find("'styles[0][1]' must be an image path"),
                  std::string::npos)
            << error.what();
    }
    EXPECT_EQ(loadedModel_, "");
}

TEST_F(CliBatch, AMissingReferenceStopsWithAClearMessage) {
    fs::remove(dir_ / "refs" / "woodcut.png");
    const CliRun missing = run({job(), "-o", out()});
    EXPECT_EQ(missing.code, kExitFailure);
    EXPECT_NE(missing.err.find("cannot read the style reference " +
                               (dir_ / "refs" / "woodcut.png").string()),
              std::string::npos)
        << missing.err;
    EXPECT_EQ(probe_->generateCalls, 0);
}

TEST(CliBatchBinary, RejectsABadJobNamingTheField) {
    const fs::path dir =
        fs::temp_directory_path() / ("deadiff-cli-badjob-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "job.json") << R"({"prompts": ["a"], "seeds": [1, "two"]})";
    const auto result = test::runProcess({kCli, "batch", (dir / "job.json").string(), "--dry-run"});
    fs::remove_all(dir);
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("job.json: 'seeds[1]' must be an integer >= 0"), std::string::npos)
        << result.err;
}

TEST(CliBatchBinary, TheShippedExampleJobPlansTwelveImages) {
    const auto result =
        test::runProcess({kCli, "batch", kExamples + "/batch-example.json", "--dry-run"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out.rfind("12 images from 12 requests: 2 prompt x 3 style x 2 seed\n", 0), 0u)
        << result.out;
    // Its references resolve next to the job file and exist.
    EXPECT_NE(result.out.find(fs::path(kExamples).lexically_normal().string() + "/woodcut.png"),
              std::string::npos);
    for (const char* name : {"woodcut.png", "watercolor.png", "ink_sketch.png", "neon.png"})
        EXPECT_TRUE(fs::exists(fs::path(kExamples) / name)) << name;
    EXPECT_NE(result.out.find("\"seed\":2025"), std::string::npos) << "seed_count follows the seed";
}

// The real binary on a real (tiny, random-weight) model folder: the whole product path.
TEST(CliBatchBinary, RunsAJobOnATinyModelAndResumes) {
    const fs::path dir =
        fs::temp_directory_path() / ("deadiff-cli-tiny-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    test::writeTinyModel((dir / "model").string(), 2);
    std::ofstream(dir / "job.json") << R"({"template": {"model": "model/model.json", "steps": 2,
        "width": 64, "height": 64, "seed": 9, "dtype": "float32"},
        "prompts": ["a red moon", "a cat"],
        "styles": [[")" << kExamples << R"(/woodcut.png"], [")"
                                    << kExamples << R"(/woodcut.png", ")" << kExamples
                                    << R"(/neon.png"]]})";
    const std::string out = (dir / "out").string();
    const auto first = test::runProcess({kCli, "batch", (dir / "job.json").string(), "-o", out});
    ASSERT_EQ(first.exitCode, 0) << first.err;
    EXPECT_EQ(lineCount(first.out), 4) << first.out;
    EXPECT_NE(first.err.find("4 images: 4 generated, 0 kept from an earlier run; text encoder ran "
                             "3x, vision tower 2x"),
              std::string::npos)
        << first.err;
    for (const char* name : {"1_9_woodcut_a_red_moon.png", "4_9_woodcut+neon_a_cat.png",
                             "manifest.csv", "manifest.json", "contact-sheet.png"})
        EXPECT_TRUE(fs::exists(fs::path(out) / name)) << name;
    std::ifstream csv(fs::path(out) / "manifest.csv");
    std::string line;
    int rows = 0;
    while (std::getline(csv, line))
        rows += line.find(",generated,") != std::string::npos ? 1 : 0;
    EXPECT_EQ(rows, 4);

    const auto again = test::runProcess({kCli, "batch", (dir / "job.json").string(), "-o", out});
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_NE(again.err.find("4 images: 0 generated, 4 kept"), std::string::npos) << again.err;
    fs::remove_all(dir);
}

TEST(CliBatchBinary, HelpDescribesTheCommand) {
    const auto result = test::runProcess({kCli, "batch", "--help"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.out.find("--dry-run"), std::string::npos) << result.out;
    EXPECT_NE(test::runProcess({kCli, "--help"}).out.find("batch"), std::string::npos);
}

} // namespace
} // namespace deadiff::cli
