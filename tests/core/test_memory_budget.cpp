// The memory check before a request: the limits are read from /proc and the cgroup tree (fake
// trees here, v2 and v1), the estimate grows with size and batch and stops growing for the
// decode once it is tiled, and a request over the limit is refused with a size that fits.
#include "core/pipeline/model_memory.h"
#include "core/runtime/memory_budget.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deadiff {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

class MemoryLimitsTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("deadiff-memory-" + std::to_string(::getpid()));
        fs::remove_all(root_);
        write("proc/meminfo", "MemTotal:       24000000 kB\nMemAvailable:    8388608 kB\n");
        write("proc/self/status", "Name:\tdeadiff\nVmSize:\t 1048576 kB\nVmRSS:\t  524288 kB\n");
        write("proc/self/limits", "Limit                     Soft Limit           Hard Limit    "
                                  "       Units     \nMax address space         4294967296   "
                                  "        unlimited            bytes     \n");
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const std::string& relative, const std::string& text) {
        const fs::path path = root_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }
    MemoryLimits read(const std::string& configured = "") const {
        return readMemoryLimits((root_ / "proc").string(), (root_ / "cgroup").string(), configured);
    }
    fs::path root_;
};

TEST_F(MemoryLimitsTest, ReadsMemAvailableAndTheAddressSpaceLimit) {
    const MemoryLimits limits = read();
    EXPECT_EQ(limits.memAvailable, 8 * kGiB);
    EXPECT_EQ(limits.addressSpaceFree, 3 * kGiB); // 4 GiB limit - 1 GiB mapped
    EXPECT_FALSE(limits.cgroupFree);
    EXPECT_FALSE(limits.configured);
    EXPECT_EQ(limits.available(), 3 * kGiB + limits.allocatorFree);
    EXPECT_NE(limits.tightestName().find("ulimit -v"), std::string::npos);
}

TEST_F(MemoryLimitsTest, TheTightestCgroupV2AncestorCounts) {
    write("proc/self/cgroup", "0::/user/app\n");
    write("cgroup/memory.max", "max\n");
    write("cgroup/memory.current", "123\n");
    write("cgroup/user/memory.max", std::to_string(6 * kGiB));
    write("cgroup/user/memory.current", std::to_string(5 * kGiB)); // 1 GiB left
    write("cgroup/user/app/memory.max", std::to_string(16 * kGiB));
    write("cgroup/user/app/memory.current", std::to_string(2 * kGiB)); // 14 GiB left
    const MemoryLimits limits = read();
    EXPECT_EQ(limits.cgroupFree, 1 * kGiB);
    EXPECT_EQ(limits.available(), 1 * kGiB + limits.allocatorFree);
    EXPECT_NE(limits.tightestName().find("cgroup"), std::string::npos);
}

TEST_F(MemoryLimitsTest, CgroupV1MemoryControllerCounts) {
    write("proc/self/cgroup", "5:devices:/\n4:cpu,memory:/job\n0::/\n");
    write("cgroup/memory/job/memory.limit_in_bytes", std::to_string(2 * kGiB));
    write("cgroup/memory/job/memory.usage_in_bytes", std::to_string(kGiB + 512 * kMiB));
    write("cgroup/memory/memory.limit_in_bytes", "9223372036854771712"); // v1's "no limit"
    write("cgroup/memory/memory.usage_in_bytes", std::to_string(20 * kGiB));
    EXPECT_EQ(read().cgroupFree, 512 * kMiB);
}

TEST_F(MemoryLimitsTest, DeadiffMemoryLimitCapsWhatThisProcessMayUse) {
    const MemoryLimits limits = read("2G"); // VmRSS is 512 MiB
    EXPECT_EQ(limits.configured, 2 * kGiB - 512 * kMiB);
    EXPECT_NE(limits.tightestName().find("DEADIFF_MEMORY_LIMIT"), std::string::npos);
    EXPECT_EQ(parseByteSize("512M"), 512 * kMiB);
    EXPECT_EQ(parseByteSize("1.5GiB"), 3 * kGiB / 2);
    EXPECT_EQ(parseByteSize("4096"), 4096u);
    EXPECT_THROW(parseByteSize("lots"), std::invalid_argument);
    EXPECT_THROW(parseByteSize("5X"), std::invalid_argument);
    EXPECT_THROW(parseByteSize("-1G"), std::invalid_argument);
}

TEST(MemoryLimitsReal, ThisMachineHasMemAvailable) {
    const MemoryLimits limits = currentMemoryLimits();
    ASSERT_TRUE(limits.memAvailable);
    EXPECT_GT(*limits.memAvailable, 0u);
    ASSERT_TRUE(limits.available());
}

// The real SD 1.5 sizes (ModelMemoryFacts' defaults) in float32, weights of 4 GiB.
ModelMemoryFacts realModel() {
    ModelMemoryFacts facts;
    facts.weightBytes = 4 * kGiB;
    facts.loadPeakBytes = 5 * kGiB;
    return facts;
}

RequestShape square(int side, int batch = 1) {
    RequestShape shape;
    shape.width = side;
    shape.height = side;
    shape.batch = batch;
    return shape;
}

TEST(MemoryEstimate, GrowsWithSizeAndBatchAndTheTiledDecodeStaysSmall) {
    const ModelMemoryFacts model = realModel();
    const MemoryEstimate at512 = estimateRequestMemory(model, square(512), false);
    const MemoryEstimate at1024 = estimateRequestMemory(model, square(1024), false);
    const MemoryEstimate at2048 = estimateRequestMemory(model, square(2048), false);
    EXPECT_EQ(at512.weights, 4 * kGiB);
    EXPECT_EQ(estimateRequestMemory(model, square(512), true).weights, 0u);
    EXPECT_GT(at1024.sampling, 3 * at512.sampling); // 4x the latent cells
    EXPECT_GT(at2048.sampling, 3 * at1024.sampling);
    EXPECT_GT(estimateRequestMemory(model, square(512, 4), false).sampling, 3 * at512.sampling);
    EXPECT_GT(at1024.decoding, 3 * at512.decoding); // untiled up to 1024 px
    // Tiled above: the peak is the statistics pass, an untiled 1024 px decode, plus the
    // float32 image; an untiled 2048 px decode would need four times the 1024 px one.
    EXPECT_LT(at2048.decoding, 2 * at1024.decoding);
    EXPECT_GT(at2048.decoding, at1024.decoding);
    RequestShape unguided = square(512);
    unguided.guidance = false;
    EXPECT_LT(estimateRequestMemory(model, unguided, false).sampling, at512.sampling);
    RequestShape bf16Shape = square(512);
    ModelMemoryFacts bf16 = model;
    bf16.computeBytes = 2;
    EXPECT_LT(estimateRequestMemory(bf16, bf16Shape, false).sampling, at512.sampling);
    EXPECT_GE(at512.peak(), at512.weights + at512.sampling);
}

TEST(MemoryEstimate, ARequestOverTheLimitIsRefusedWithASizeThatFits) {
    const ModelMemoryFacts model = realModel();
    MemoryLimits limits;
    limits.memAvailable = estimateRequestMemory(model, square(1024), false).peak();
    EXPECT_NO_THROW(checkRequestFits(model, square(1024), false, limits));
    try {
        checkRequestFits(model, square(2048), false, limits);
        FAIL() << "2048 px was not refused";
    } catch (const MemoryBudgetError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("2048x2048 needs about"), std::string::npos) << message;
        EXPECT_NE(message.find("MemAvailable"), std::string::npos) << message;
        // The suggestion: a square that fits, and the next step up (+64 px) does not.
        const std::size_t at = message.find(" would fit");
        ASSERT_NE(at, std::string::npos) << message;
        const std::size_t begin = message.rfind(' ', at - 1) + 1;
        const std::string size = message.substr(begin, at - begin);
        const int side = std::stoi(size.substr(0, size.find('x')));
        EXPECT_EQ(size, std::to_string(side) + "x" + std::to_string(side)) << message;
        EXPECT_GE(side, 1024);
        EXPECT_LE(estimateRequestMemory(model, square(side), false).peak(), *limits.memAvailable);
        EXPECT_GT(estimateRequestMemory(model, square(side + 64), false).peak(),
                  *limits.memAvailable);
    }
    // A batch that does not fit is offered a smaller batch at the same size.
    limits.memAvailable = estimateRequestMemory(model, square(512, 2), false).peak();
    try {
        checkRequestFits(model, square(512, 4), false, limits);
        FAIL() << "batch 4 was not refused";
    } catch (const MemoryBudgetError& error) {
        EXPECT_NE(std::string(error.what()).find("batch 2 at 512x512"), std::string::npos)
            << error.what();
    }
    // Nothing fits: say so, and what to do.
    limits.memAvailable = 1 * kGiB;
    try {
        checkRequestFits(model, square(512), false, limits);
        FAIL() << "a request larger than memory was not refused";
    } catch (const MemoryBudgetError& error) {
        EXPECT_NE(std::string(error.what()).find("close other programs"), std::string::npos)
            << error.what();
    }
    // No known limit: nothing is refused.
    EXPECT_NO_THROW(checkRequestFits(model, square(2048, 16), false, MemoryLimits{}));
}

TEST(ModelMemory, FactsOfAModelFolderComeFromItsConfigAndWeights) {
    const fs::path dir =
        fs::temp_directory_path() / ("deadiff-memory-model-" + std::to_string(::getpid()));
    const std::string model = test::writeTinyModel(dir.string(), 3);
    const ModelMemoryFacts f32 = pipeline::modelMemoryFacts(dir.string(), ComputeDtype::Float32);
    const ModelMemoryFacts bf16 = pipeline::modelMemoryFacts(model, ComputeDtype::BFloat16);
    const pipeline::ModelConfig config = test::tinyModelConfig();
    EXPECT_EQ(f32.unetChannels, config.unet.modelChannels);
    EXPECT_EQ(f32.latentFactor, config.latentFactor());
    EXPECT_EQ(f32.vaeChannels, config.vae.ch);
    EXPECT_EQ(f32.computeBytes, 4);
    EXPECT_EQ(bf16.computeBytes, 2);
    // Every tensor of the folder is a network weight here, stored as float32 or float16.
    EXPECT_GT(f32.weightBytes, 0u);
    EXPECT_LT(bf16.weightBytes, f32.weightBytes);
    EXPECT_GT(bf16.loadPeakBytes, bf16.weightBytes);
    fs::remove_all(dir);
}

} // namespace
} // namespace deadiff
