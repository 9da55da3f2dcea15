// The CLI against hostile paths: endless streams given as inputs are refused at once (never read
// into memory, never waited on), and an output path that cannot be written is refused before
// the model loads, so no computed image is lost to a typo. The real binary runs under `timeout`
// and an address-space limit, so a regression fails here instead of hanging or filling memory.
#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "tests/support/gradient_pipeline.h"
#include "tests/support/process.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;
const std::string kCli = DEADIFF_CLI_EXE;
const std::string kExamples = DEADIFF_EXAMPLES_DIR;

// `timeout` exits 124 when the deadline passes; the address-space limit turns reading /dev/zero
// into memory into a quick failure rather than a machine out of memory.
test::ProcessResult runBounded(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/prlimit", "--as=4294967296", "/usr/bin/timeout",
                                     "60", kCli}; // posix_spawn: no PATH search
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv, {"DEADIFF_THREADS=1"});
}

bool mentions(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class CliReliability : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        shared_ = fs::temp_directory_path() / ("deadiff-cli-rel-" + std::to_string(::getpid()));
        fs::remove_all(shared_);
        fs::create_directories(shared_);
        model_ = test::writeTinyModel((shared_ / "tiny").string(), 1);
        fifo_ = (shared_ / "pipe.png").string();
        ::mkfifo(fifo_.c_str(), 0600);
    }
    static void TearDownTestSuite() { fs::remove_all(shared_); }

    std::vector<std::string> generate(std::vector<std::string> extra) const {
        std::vector<std::string> args = {"generate",
                                         "--model",
                                         model_,
                                         "--prompt",
                                         "star",
                                         "--steps",
                                         "2",
                                         "--seed",
                                         "1",
                                         "--dtype",
                                         "float32",
                                         "-o",
                                         (shared_ / "out.png").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    static inline fs::path shared_;
    static inline std::string model_;
    static inline std::string fifo_;
};

TEST_F(CliReliability, EndlessStreamsAsInputsAreRefusedAtOnce) {
    for (const std::string& stream : {std::string("/dev/zero"), fifo_}) {
        for (const std::vector<std::string>& extra :
             std::vector<std::vector<std::string>>{{"--style", stream},
                                                   {"--content", stream, "--mode", "content"},
                                                   {"--model", stream}}) {
            std::vector<std::string> args = generate({});
            if (extra[0] == "--model") // an option given twice is refused before its file is read
                args.erase(args.begin() + 1, args.begin() + 3);
            args.insert(args.end(), extra.begin(), extra.end());
            const test::ProcessResult result = runBounded(args);
            EXPECT_TRUE(result.exitCode == kExitUsage || result.exitCode == kExitFailure)
                << extra[0] << " " << stream << ": exit " << result.exitCode << "\n"
                << result.err;
            EXPECT_TRUE(mentions(result.err, stream)) << result.err;
            EXPECT_TRUE(mentions(result.err, "not a regular file")) << result.err;
        }
        const test::ProcessResult batch =
            runBounded({"batch", stream, "-o", (shared_ / "batch").string()});
        EXPECT_EQ(batch.exitCode, kExitUsage) << "batch " << stream << "\n" << batch.err;
        EXPECT_TRUE(mentions(batch.err, "not a regular file")) << batch.err;
    }
}

TEST_F(CliReliability, ARequestLargerThanTheMemoryLimitIsRefusedBeforeTheModelLoads) {
    // 4 GiB of address space (runBounded) cannot hold 16 images of 2048 px: refused with a size
    // that would fit, instead of dying of an allocation failure halfway.
    const test::ProcessResult result =
        runBounded(generate({"--width", "2048", "--height", "2048", "--batch", "16"}));
    EXPECT_EQ(result.exitCode, kExitFailure) << result.err;
    EXPECT_TRUE(mentions(result.err, "would fit")) << result.err;
    EXPECT_FALSE(mentions(result.err, "seed 1,")) << "refused only after the load:\n" << result.err;
}

TEST_F(CliReliability, AnUnwritableOutputFileIsRefusedBeforeTheModelLoads) {
    const std::string typo = (shared_ / "no-such-folder" / "out.png").string();
    std::vector<std::string> args = generate({});
    args.back() = typo; // the -o value
    const test::ProcessResult result = runBounded(args);
    EXPECT_EQ(result.exitCode, kExitUsage) << result.err;
    EXPECT_TRUE(mentions(result.err, typo)) << result.err;
    EXPECT_TRUE(mentions(result.err, "does not exist")) << result.err;
    // The seed line comes after the model load: it must not have been reached.
    EXPECT_FALSE(mentions(result.err, "seed 1,")) << result.err;

    args.back() = "/dev/null"; // an atomic write would replace the device
    const test::ProcessResult device = runBounded(args);
    EXPECT_EQ(device.exitCode, kExitUsage) << device.err;
    EXPECT_TRUE(mentions(device.err, "not a regular file")) << device.err;
}

TEST_F(CliReliability, AnUnwritableBatchFolderIsRefusedBeforeTheModelLoads) {
    const fs::path job = shared_ / "job.json";
    std::ofstream(job) << R"({"template": {"steps": 2, "seed": 3}, "prompts": ["a cat"]})";
    std::string loaded;
    const auto load = [&](const LoadOptions& options,
                          const LoadProgress&) -> std::unique_ptr<Pipeline> {
        loaded = options.model;
        return std::make_unique<testing::GradientPipeline>(
            options.model, std::make_shared<testing::GradientProbe>());
    };
    std::ostringstream out, err;
    const std::string blocked = (shared_ / "out.png" / "batch").string(); // below a file
    std::ofstream(shared_ / "out.png") << "a file";
    try {
        runBatchJob({job.string(), "-o", blocked, "--model", model_}, {out, err}, load);
        ADD_FAILURE() << "an output folder below a file was accepted";
    } catch (const UsageError& error) {
        EXPECT_TRUE(mentions(error.what(), blocked)) << error.what();
        EXPECT_TRUE(mentions(error.what(), "not a folder")) << error.what();
    }
    EXPECT_EQ(loaded, "") << "the model was loaded before the output folder was checked";
    EXPECT_THROW(
        runBatchJob({job.string(), "-o", "/proc/self/out", "--model", model_}, {out, err}, load),
        UsageError);
}

} // namespace
} // namespace deadiff::cli
