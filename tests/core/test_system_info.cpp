#include "core/runtime/system_info.h"

#include "core/nn/attention.h"
#include "core/nn/norm_bf16.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace deadiff {
namespace {

TEST(SystemInfo, ConfigureThreadsUsesEveryHardwareThreadByDefault) {
    const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    EXPECT_EQ(configureThreads(), hardware);
    EXPECT_EQ(torch::get_num_threads(), hardware);
    EXPECT_EQ(configureThreads(1), 1);
    EXPECT_EQ(torch::get_num_threads(), 1);
    configureThreads();
}

TEST(SystemInfo, ThreadCountFollowsEnvironmentOverride) {
    ::setenv("DEADIFF_THREADS", "1", 1);
    EXPECT_EQ(configureThreads(), 1);
    ::unsetenv("DEADIFF_THREADS");
    EXPECT_GT(configureThreads(), 0);
}

TEST(SystemInfo, KernelChoiceFollowsTheCpuAndKeepsAnExplicitSetting) {
    const char* before = std::getenv("ATEN_CPU_CAPABILITY");
    const std::string saved = before != nullptr ? before : "";
    ::setenv("ATEN_CPU_CAPABILITY", "default", 1);
    EXPECT_EQ(configureKernels(), "default");
    EXPECT_STREQ(std::getenv("ATEN_CPU_CAPABILITY"), "default");
    ::unsetenv("ATEN_CPU_CAPABILITY");
    const std::string chosen = configureKernels();
    EXPECT_EQ(chosen, detectCpuFeatures().avx512Kernels ? "avx512" : "");
    EXPECT_EQ(runtimeInfo().atenCapability, chosen);
    if (saved.empty())
        ::unsetenv("ATEN_CPU_CAPABILITY");
    else
        ::setenv("ATEN_CPU_CAPABILITY", saved.c_str(), 1);
}

double residentMiB() {
    std::ifstream statm("/proc/self/statm");
    double pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// With the allocator told to keep freed memory (configureAllocator), a freed 256 MiB block
// stays resident until releaseFreeMemory() hands it back.
TEST(SystemInfo, ReleaseFreeMemoryReturnsFreedBlocksToTheKernel) {
    configureAllocator();
    const double before = residentMiB();
    {
        std::vector<char> block(std::size_t{256} << 20);
        std::memset(block.data(), 1, block.size());
        EXPECT_GT(residentMiB(), before + 200);
    }
    releaseFreeMemory();
    EXPECT_LT(residentMiB(), before + 56);
}

// Debian's libtorch calls whatever libblas.so.3 the alternatives system selects. The reference
// implementation is ~30x slower for float32 products, which makes every model call crawl.
TEST(SystemInfo, FastBlasServesSgemm) {
    const BlasInfo blas = detectBlas();
    ASSERT_NE(blas.vendor, BlasVendor::Missing) << "libtorch should call an external sgemm_";
    EXPECT_FALSE(blas.libraryPath.empty());
    if (openBlasInstalled()) {
        EXPECT_NE(blas.vendor, BlasVendor::Reference)
            << "OpenBLAS is installed but sgemm_ comes from the reference BLAS at "
            << blas.libraryPath
            << "; run: update-alternatives --config libblas.so.3-x86_64-linux-gnu";
    } else {
        EXPECT_NE(blas.vendor, BlasVendor::Reference)
            << "reference BLAS at " << blas.libraryPath
            << "; install OpenBLAS: apt-get install libopenblas0-openmp";
    }
}

TEST(SystemInfo, MatmulThroughBlasIsCorrect) {
    // Compared against a plain triple loop, so a misbehaving BLAS kernel is caught too.
    torch::manual_seed(3);
    const auto a = torch::randn({67, 129});
    const auto b = torch::randn({129, 45});
    const auto c = torch::mm(a, b);
    const auto A = a.accessor<float, 2>();
    const auto B = b.accessor<float, 2>();
    const auto C = c.accessor<float, 2>();
    for (int i = 0; i < 67; ++i) {
        for (int j = 0; j < 45; ++j) {
            double sum = 0;
            for (int k = 0; k < 129; ++k)
                sum += static_cast<double>(A[i][k]) * B[k][j];
            ASSERT_NEAR(C[i][j], sum, 1e-4) << "at " << i << "," << j;
        }
    }
}

TEST(SystemInfo, DescribeRuntimeNamesWhatMatters) {
    configureThreads();
    const RuntimeInfo info = runtimeInfo();
    EXPECT_GT(info.torchThreads, 0);
    EXPECT_FALSE(info.torchVersion.empty());
    const std::string text = describeRuntime(info);
    EXPECT_NE(text.find("LibTorch:   " + info.torchVersion), std::string::npos) << text;
    EXPECT_NE(text.find(info.blas.vendorName), std::string::npos) << text;
    EXPECT_NE(text.find("bfloat16:"), std::string::npos) << text;
    EXPECT_NE(text.find(nn::defaultAttentionKernel() == nn::AttentionKernel::FusedBf16
                            ? "Attention:  fused bfloat16"
                            : "Attention:  "),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(nn::fusedNormsEnabled() ? "Norms:      fused bfloat16"
                                                : "Norms:      float32 route"),
              std::string::npos)
        << text;
}

TEST(SystemInfo, ReferenceBlasDescriptionCarriesAdvice) {
    RuntimeInfo info;
    info.blas.vendor = BlasVendor::Reference;
    info.blas.vendorName = "reference BLAS (netlib)";
    info.blas.libraryPath = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0";
    const std::string text = describeRuntime(info);
    EXPECT_NE(text.find("libopenblas0-openmp"), std::string::npos) << text;
}

TEST(SystemInfo, Bf16ImpliesAvx512) {
    const CpuFeatures cpu = detectCpuFeatures();
    if (cpu.avx512Bf16) {
        EXPECT_TRUE(cpu.avx512f);
    }
    if (cpu.avx512f) {
        EXPECT_TRUE(cpu.avx2);
    }
}

TEST(SystemInfo, Bfloat16MatmulTracksFloat32WhereSupported) {
    const CpuFeatures cpu = detectCpuFeatures();
    if (!cpu.avx512Bf16 && !cpu.amxBf16)
        GTEST_SKIP() << "CPU has no bf16 instructions; the float32 path is used";
    torch::manual_seed(5);
    const auto a = torch::randn({256, 512});
    const auto b = torch::randn({512, 128});
    const auto exact = torch::mm(a, b);
    const auto bf16 = torch::mm(a.to(torch::kBFloat16), b.to(torch::kBFloat16));
    EXPECT_EQ(bf16.scalar_type(), torch::kBFloat16);
    // bf16 keeps 8 significant bits: relative error of a 512-term dot product ~1e-2.
    const double relative =
        ((bf16.to(torch::kFloat) - exact).abs().max() / exact.abs().max()).item<double>();
    EXPECT_LT(relative, 2e-2);
}

} // namespace
} // namespace deadiff
