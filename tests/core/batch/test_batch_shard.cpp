// Sharded batch runs (core/batch/shard.h) and their merge: shard specifications and the
// scheduler environments they come from, the blocks each shard renders, shards sharing one
// folder, byte-identical images to a one-machine run, the merge's report of what is missing, and
// the failure kinds schedulers act on.
#include "core/batch/batch_runner.h"
#include "core/batch/shard.h"
#include "core/io/png.h"
#include "tests/core/batch/batch_folder.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace deadiff::batch {
namespace {

namespace fs = std::filesystem;
using testing::GradientPipeline;
using testing::GradientProbe;

std::string errorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "(no error)";
}

EnvironmentLookup environment(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        const auto it = values.find(name);
        if (it == values.end())
            return std::nullopt;
        return it->second;
    };
}

std::string bytesOf(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

TEST(Shard, ParsesKOfNAndRefusesAnythingElse) {
    const Shard shard = parseShard("2/5");
    EXPECT_EQ(shard.index, 2);
    EXPECT_EQ(shard.count, 5);
    EXPECT_EQ(toString(shard), "2/5");
    for (const char* bad : {"", "2", "/4", "1/", "a/4", "-1/4", "1/-4", "0/0", "1 /4", "1/4/2"})
        EXPECT_THROW(parseShard(bad), ShardError) << bad;
    EXPECT_NE(errorOf([] { parseShard("4/4"); }).find("K counts from 0"), std::string::npos);
}

TEST(Shard, ReadsASlurmArrayTaskCountingFromTheArraysFirstIndex) {
    // sbatch --array=4-7: the second task is shard 1 of 4.
    const Shard shard = shardFromEnvironment(environment({{"SLURM_ARRAY_TASK_ID", "5"},
                                                          {"SLURM_ARRAY_TASK_MIN", "4"},
                                                          {"SLURM_ARRAY_TASK_COUNT", "4"}}),
                                             std::nullopt);
    EXPECT_EQ(shard.index, 1);
    EXPECT_EQ(shard.count, 4);
    // --array=0,2,4,6 has four tasks but ids up to 6: not shards of a contiguous range.
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({{"SLURM_ARRAY_TASK_ID", "6"},
                                                    {"SLURM_ARRAY_TASK_MIN", "0"},
                                                    {"SLURM_ARRAY_TASK_COUNT", "4"}}),
                                       std::nullopt);
              }).find("--array=0-3"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({{"SLURM_ARRAY_TASK_ID", "x1"},
                                                    {"SLURM_ARRAY_TASK_MIN", "0"},
                                                    {"SLURM_ARRAY_TASK_COUNT", "4"}}),
                                       std::nullopt);
              }).find("SLURM_ARRAY_TASK_ID='x1' is not a non-negative integer"),
              std::string::npos);
}

TEST(Shard, AnExplicitCountMakesTheTaskIndexTheShardIndex) {
    // Re-running shard 2 of 4 alone: sbatch --array=2 (its own min and count are 2 and 1).
    const Shard slurm = shardFromEnvironment(environment({{"SLURM_ARRAY_TASK_ID", "2"},
                                                          {"SLURM_ARRAY_TASK_MIN", "2"},
                                                          {"SLURM_ARRAY_TASK_COUNT", "1"}}),
                                             4);
    EXPECT_EQ(slurm.index, 2);
    EXPECT_EQ(slurm.count, 4);
    const Shard kubernetes = shardFromEnvironment(environment({{"JOB_COMPLETION_INDEX", "3"}}), 8);
    EXPECT_EQ(kubernetes.index, 3);
    EXPECT_EQ(kubernetes.count, 8);
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({{"JOB_COMPLETION_INDEX", "8"}}), 8);
              }).find("not below --shard-count 8"),
              std::string::npos);
}

TEST(Shard, SaysWhatIsMissingFromTheEnvironment) {
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({{"JOB_COMPLETION_INDEX", "0"}}), std::nullopt);
              }).find("pass --shard-count N"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({}), std::nullopt);
              }).find("outside a scheduler pass --shard K/N"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({}), 4);
              }).find("outside a scheduler pass --shard K/N"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  shardFromEnvironment(environment({{"SLURM_ARRAY_TASK_ID", "1"}}), std::nullopt);
              }).find("SLURM_ARRAY_TASK_MIN is not set"),
              std::string::npos);
}

TEST(Shard, BlocksAreContiguousCoverEveryRequestOnceAndDifferByAtMostOne) {
    // By hand: 10 requests over 4 shards are 0-1, 2-4, 5-6, 7-9.
    const std::vector<std::pair<std::size_t, std::size_t>> expected = {
        {0, 2}, {2, 5}, {5, 7}, {7, 10}};
    for (int k = 0; k < 4; ++k) {
        const RequestRange range = shardRequests(10, {k, 4});
        EXPECT_EQ(range.begin, expected[static_cast<std::size_t>(k)].first) << k;
        EXPECT_EQ(range.end, expected[static_cast<std::size_t>(k)].second) << k;
    }
    for (std::size_t requests = 0; requests <= 23; ++requests) {
        for (int count = 1; count <= 9; ++count) {
            std::vector<int> owners(requests, 0);
            std::size_t smallest = requests, largest = 0, next = 0;
            for (int k = 0; k < count; ++k) {
                const RequestRange range = shardRequests(requests, {k, count});
                EXPECT_EQ(range.begin, next) << requests << " " << k << "/" << count;
                next = range.end;
                for (std::size_t r = range.begin; r < range.end; ++r)
                    ++owners[r];
                smallest = std::min(smallest, range.end - range.begin);
                largest = std::max(largest, range.end - range.begin);
            }
            EXPECT_EQ(next, requests);
            EXPECT_TRUE(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }));
            EXPECT_LE(largest - smallest, 1u) << requests << " over " << count;
        }
    }
}

class ShardedRun : public testing::BatchFolder {
protected:
    ShardedRun()
        : BatchFolder("shard") {}

    // 2 prompts x 2 styles x 2 seeds: 8 requests of one image.
    BatchJob job() const {
        return parseBatchJob(R"({"template": {"steps": 2, "width": 64, "height": 64, "seed": 1},
            "prompts": ["a castle", "a cat"], "styles": [["refs/ink.png"], ["refs/neon.png"]],
            "seeds": [11, 12]})",
                             dir_.string());
    }
    BatchSummary shard(int k, int n, const std::string& out, BatchOptions options = {}) {
        options.shard = Shard{k, n};
        return runBatch(*pipeline_, job(), out, nullptr, nullptr, options);
    }
    std::set<std::string> filesIn(const fs::path& folder) const {
        std::set<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder))
            names.insert(entry.path().filename().string());
        return names;
    }
    BatchSummary merge(const std::string& out) { return mergeBatch(job(), out); }
};

TEST_F(ShardedRun, ShardsShareAFolderAndMergeToTheOneMachineRunsBytes) {
    const std::string single = (dir_ / "single").string(), shared = (dir_ / "shared").string();
    ASSERT_EQ(runBatch(*pipeline_, job(), single).generated, 8);
    const BatchPlan plan = expandJob(job(), 0);

    // Shard 1 of 3 is requests 2..4 (floor(8/3) = 2, floor(16/3) = 5): those files and its
    // manifest part only; no shared file (manifest.csv/.json, contact sheet) is touched.
    const BatchSummary middle = shard(1, 3, shared);
    ASSERT_EQ(middle.outcome, BatchOutcome::Completed) << middle.error;
    EXPECT_EQ(middle.total, 3);
    EXPECT_EQ(middle.generated, 3);
    EXPECT_EQ(middle.manifestPart, (fs::path(shared) / "manifest.part-1-of-3.json").string());
    EXPECT_TRUE(middle.contactSheet.empty());
    EXPECT_EQ(filesIn(shared),
              (std::set<std::string>{plan.images[2].fileName, plan.images[3].fileName,
                                     plan.images[4].fileName, "manifest.part-1-of-3.json"}));
    std::ifstream partFile(fs::path(shared) / "manifest.part-1-of-3.json");
    const nlohmann::json part = nlohmann::json::parse(partFile);
    EXPECT_EQ(part["shard"]["index"], 1);
    EXPECT_EQ(part["shard"]["count"], 3);
    ASSERT_EQ(part["images"].size(), 3u);
    EXPECT_EQ(part["images"][0]["index"], 3);
    EXPECT_EQ(part["images"][0]["status"], "generated");

    EXPECT_EQ(shard(0, 3, shared).generated, 2);
    EXPECT_EQ(shard(2, 3, shared).generated, 3);
    EXPECT_EQ(probe_->generateCalls, 16) << "each image once per layout";

    const BatchSummary merged = merge(shared);
    ASSERT_EQ(merged.outcome, BatchOutcome::Completed) << merged.error;
    EXPECT_EQ(merged.kept, 8);
    EXPECT_TRUE(merged.missing.empty());
    EXPECT_TRUE(fs::exists(merged.contactSheet));
    for (const PlannedImage& image : plan.images)
        EXPECT_EQ(bytesOf(fs::path(shared) / image.fileName),
                  bytesOf(fs::path(single) / image.fileName))
            << image.fileName;
    // The merged manifest takes each image's status and time from its shard's part.
    std::ifstream manifestFile(fs::path(shared) / "manifest.json");
    const nlohmann::json manifest = nlohmann::json::parse(manifestFile);
    ASSERT_EQ(manifest["images"].size(), 8u);
    for (const auto& image : manifest["images"])
        EXPECT_EQ(image["status"], "generated") << image["file"];
    EXPECT_EQ(manifest["base_seed"], 1);
}

TEST_F(ShardedRun, TheMergeListsWhatIsMissingAndTheRerunMakesOnlyThat) {
    const std::string out = (dir_ / "out").string();
    for (int k = 0; k < 4; ++k)
        ASSERT_EQ(shard(k, 4, out).outcome, BatchOutcome::Completed);
    const BatchPlan plan = expandJob(job(), 0);
    // Shard 2/4 (requests 4, 5) lost one image; another of its files is broken.
    fs::remove(fs::path(out) / plan.images[5].fileName);
    const fs::path broken = fs::path(out) / plan.images[4].fileName;
    fs::resize_file(broken, fs::file_size(broken) - 30);

    const BatchSummary incomplete = merge(out);
    EXPECT_EQ(incomplete.outcome, BatchOutcome::Failed);
    EXPECT_EQ(incomplete.failure, BatchFailure::Incomplete);
    EXPECT_EQ(incomplete.missing,
              (std::vector<std::string>{plan.images[4].fileName, plan.images[5].fileName}));
    ASSERT_EQ(incomplete.shardsToRerun.size(), 1u);
    EXPECT_EQ(toString(incomplete.shardsToRerun[0]), "2/4");
    EXPECT_NE(incomplete.error.find("2 of 8 images are missing"), std::string::npos)
        << incomplete.error;
    std::ifstream manifestFile(fs::path(out) / "manifest.json");
    const nlohmann::json manifest = nlohmann::json::parse(manifestFile);
    EXPECT_EQ(manifest["images"][5]["status"], "pending");
    EXPECT_EQ(manifest["images"][6]["status"], "generated");

    // A shard that never ran (no part) is named too: its layout is known from the others.
    fs::remove(fs::path(out) / "manifest.part-3-of-4.json");
    fs::remove(fs::path(out) / plan.images[7].fileName);
    const BatchSummary withoutPart = merge(out);
    ASSERT_EQ(withoutPart.shardsToRerun.size(), 2u);
    EXPECT_EQ(toString(withoutPart.shardsToRerun[1]), "3/4");
    ASSERT_EQ(shard(3, 4, out).generated, 1);

    const int before = probe_->generateCalls;
    const BatchSummary rerun = shard(2, 4, out);
    EXPECT_EQ(rerun.generated, 2);
    EXPECT_EQ(rerun.kept, 0);
    EXPECT_EQ(probe_->generateCalls - before, 2) << "only the shard's missing images";
    const BatchSummary again = shard(1, 4, out);
    EXPECT_EQ(again.kept, 2);
    EXPECT_EQ(probe_->generateCalls - before, 2) << "a complete shard makes nothing";
    EXPECT_EQ(merge(out).outcome, BatchOutcome::Completed);
}

TEST_F(ShardedRun, AShardRemovesOnlyItsOwnInterruptedWrites) {
    const std::string out = (dir_ / "out").string();
    fs::create_directories(out);
    const BatchPlan plan = expandJob(job(), 0);
    // Shard 0/2 owns requests 0..3; image 6 belongs to shard 1/2, which may be writing it now.
    const fs::path own = fs::path(out) / (plan.images[1].fileName + ".partial-Ab12Cd");
    const fs::path other = fs::path(out) / (plan.images[6].fileName + ".partial-Ef34Gh");
    std::ofstream(own) << "half";
    std::ofstream(other) << "half";
    ASSERT_EQ(shard(0, 2, out).generated, 4);
    EXPECT_FALSE(fs::exists(own));
    EXPECT_TRUE(fs::exists(other)) << "another shard's write in progress stays";
}

TEST_F(ShardedRun, AnUnseededJobCannotBeShardedOrMergedWithoutARecordedSeed) {
    const BatchJob unseeded = parseBatchJob(
        R"({"template": {"steps": 1, "width": 64, "height": 64}, "prompts": ["x"], "seed_count": 2})",
        dir_.string());
    BatchOptions options;
    options.shard = Shard{0, 2};
    EXPECT_NE(errorOf([&] {
                  runBatch(*pipeline_, unseeded, (dir_ / "out").string(), nullptr, nullptr,
                           options);
              }).find("add \"seed\": N to the template"),
              std::string::npos);
    EXPECT_EQ(probe_->generateCalls, 0);
    fs::create_directories(dir_ / "out");
    EXPECT_THROW(mergeBatch(unseeded, (dir_ / "out").string()), BatchJobError);
    EXPECT_THROW(mergeBatch(job(), (dir_ / "nowhere").string()), BatchJobError);
}

TEST_F(ShardedRun, TheMergePlansWithTheModelTheShardsRecorded) {
    // A job that leaves the size to the model: the merge loads no model, so it must take the
    // native size (and model path, dtype) from the parts to find the 128 px images.
    const BatchJob unsized = parseBatchJob(
        R"({"template": {"steps": 1, "seed": 5}, "prompts": ["a", "b", "c"]})", dir_.string());
    GradientPipeline small("/models/small", probe_, ComputeDtype::Auto, 128);
    const std::string out = (dir_ / "out").string();
    fs::create_directories(out);
    const BatchSummary none = mergeBatch(unsized, out);
    EXPECT_EQ(none.failure, BatchFailure::Incomplete);
    EXPECT_NE(none.error.find("run the shards first"), std::string::npos) << none.error;

    BatchOptions options;
    for (int k = 0; k < 2; ++k) {
        options.shard = Shard{k, 2};
        ASSERT_EQ(runBatch(small, unsized, out, nullptr, nullptr, options).outcome,
                  BatchOutcome::Completed);
    }
    std::ifstream partFile(fs::path(out) / "manifest.part-0-of-2.json");
    const nlohmann::json part = nlohmann::json::parse(partFile);
    EXPECT_EQ(part["model"]["path"], "/models/small");
    EXPECT_EQ(part["model"]["dtype"], "float32");
    EXPECT_EQ(part["model"]["native_size"], 128);
    const BatchSummary merged = mergeBatch(unsized, out);
    EXPECT_EQ(merged.outcome, BatchOutcome::Completed) << merged.error;
    EXPECT_EQ(merged.kept, 3);

    // A shard run with another model: its images are not those of the same job.
    GradientPipeline other("/models/other", probe_, ComputeDtype::Auto, 128);
    options.shard = Shard{1, 2};
    ASSERT_EQ(runBatch(other, unsized, out, nullptr, nullptr, options).outcome,
              BatchOutcome::Completed);
    EXPECT_NE(errorOf([&] { mergeBatch(unsized, out); }).find("did not run the same model"),
              std::string::npos);
}

TEST_F(ShardedRun, FailuresSayWhetherARetryCanHelp) {
    const std::string out = (dir_ / "out").string();
    BatchOptions diskFull;
    diskFull.writer = [](const std::string& path, const cv::Mat&, const io::PngText&) {
        throw std::runtime_error("cannot write " + path + ": No space left on device");
    };
    EXPECT_EQ(shard(0, 2, out, diskFull).failure, BatchFailure::Retryable);

    probe_->failWith = "DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 bytes";
    EXPECT_EQ(shard(0, 2, out).failure, BatchFailure::Retryable);
    probe_->failWith = "cannot decode the style reference";
    EXPECT_EQ(shard(0, 2, out).failure, BatchFailure::BadJob);
    probe_->failWith.clear();

    // A reference missing anywhere in the job: each shard refuses before its first image.
    fs::remove(dir_ / "refs" / "neon.png");
    const int calls = probe_->generateCalls;
    const BatchSummary missing = shard(0, 2, out);
    EXPECT_EQ(probe_->generateCalls, calls);
    EXPECT_EQ(missing.failure, BatchFailure::BadJob);
    EXPECT_NE(missing.error.find("neon.png"), std::string::npos) << missing.error;

    EXPECT_TRUE(isOutOfMemory(std::bad_alloc()));
    EXPECT_FALSE(isOutOfMemory(std::runtime_error("no such file")));
}

} // namespace
} // namespace deadiff::batch
