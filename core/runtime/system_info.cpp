#include "core/runtime/system_info.h"

#include "core/build_config.h"
#include "core/nn/attention.h"
#include "core/nn/norm_bf16.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <dlfcn.h>
#if __has_include(<gperftools/malloc_extension.h>)
#include <gperftools/malloc_extension.h>
#endif
#include <glob.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <sstream>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace deadiff {
namespace {

std::string realPath(const char* path) {
    char resolved[PATH_MAX];
    if (path != nullptr && ::realpath(path, resolved) != nullptr)
        return resolved;
    return path != nullptr ? path : "";
}

bool contains(const std::string& haystack, const char* needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace

BlasInfo detectBlas() {
    BlasInfo info;
    // Debian's libtorch calls the Fortran symbol of whatever libblas.so.3 the alternatives
    // system points to; asking the dynamic linker who serves it is the only reliable answer.
    void* sgemm = ::dlsym(RTLD_DEFAULT, "sgemm_");
    if (sgemm == nullptr) {
        info.vendor = BlasVendor::Missing;
        info.vendorName = "none (LibTorch uses its own kernels)";
        return info;
    }
    Dl_info where{};
    if (::dladdr(sgemm, &where) != 0)
        info.libraryPath = realPath(where.dli_fname);

    using ConfigFn = char* (*)();
    if (auto config = reinterpret_cast<ConfigFn>(::dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        const char* text = config();
        info.config = text != nullptr ? text : "";
    }

    const std::string& path = info.libraryPath;
    if (!info.config.empty() || contains(path, "openblas")) {
        info.vendor = BlasVendor::OpenBlas;
        info.vendorName = "OpenBLAS";
    } else if (contains(path, "blis")) {
        info.vendor = BlasVendor::Blis;
        info.vendorName = "BLIS";
    } else if (contains(path, "mkl")) {
        info.vendor = BlasVendor::Mkl;
        info.vendorName = "Intel MKL";
    } else if (contains(path, "atlas")) {
        info.vendor = BlasVendor::Atlas;
        info.vendorName = "ATLAS";
    } else if (contains(path, "/blas/libblas") || contains(path, "libblas.so.3.")) {
        // Debian installs netlib's reference implementation as .../blas/libblas.so.3.x.y.
        info.vendor = BlasVendor::Reference;
        info.vendorName = "reference BLAS (netlib)";
    } else {
        info.vendor = BlasVendor::Unknown;
        info.vendorName = "unknown BLAS";
    }
    return info;
}

bool openBlasInstalled() {
    glob_t found{};
    const int rc = ::glob("/usr/lib/*/openblas*/libblas.so.3", 0, nullptr, &found);
    const bool any = rc == 0 && found.gl_pathc > 0;
    ::globfree(&found);
    return any;
}

CpuFeatures detectCpuFeatures() {
    CpuFeatures features;
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0)
        return features;
    const bool osxsave = (ecx & (1u << 27)) != 0;
    unsigned long long xcr0 = 0;
    if (osxsave) {
        unsigned lo = 0, hi = 0;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
    }
    const bool osAvx = (xcr0 & 0x6) == 0x6;               // XMM and YMM state
    const bool osAvx512 = osAvx && (xcr0 & 0xe0) == 0xe0; // opmask, ZMM_Hi256, Hi16_ZMM
    const bool osAmx = (xcr0 & (3ull << 17)) == (3ull << 17);

    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0)
        return features;
    const unsigned maxSubleaf = eax;
    features.avx2 = osAvx && (ebx & (1u << 5)) != 0;
    features.avx512f = osAvx512 && (ebx & (1u << 16)) != 0;
    const unsigned bwDqVl = (1u << 30) | (1u << 17) | (1u << 31);
    features.avx512Kernels = features.avx512f && (ebx & bwDqVl) == bwDqVl;
    features.amxBf16 = osAmx && (edx & (1u << 22)) != 0;
    if (maxSubleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0)
        features.avx512Bf16 = features.avx512f && (eax & (1u << 5)) != 0;
#endif
    return features;
}

int configureThreads(int requested) {
    int threads = requested;
    if (threads <= 0) {
        if (const char* env = std::getenv("DEADIFF_THREADS"))
            threads = std::atoi(env);
    }
    if (threads <= 0)
        threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(threads);
    return torch::get_num_threads();
}

bool configureAllocator() {
#if __has_include(<gperftools/malloc_extension.h>)
    // Looked up at run time: the library itself does not link tcmalloc, the executables do.
    using Instance = MallocExtension* (*)();
    const auto instance =
        reinterpret_cast<Instance>(::dlsym(RTLD_DEFAULT, "_ZN15MallocExtension8instanceEv"));
    if (instance == nullptr || ::dlsym(RTLD_DEFAULT, "tc_malloc") == nullptr)
        return false;
    if (std::getenv("TCMALLOC_RELEASE_RATE") == nullptr) // an explicit setting wins
        instance()->SetMemoryReleaseRate(0.0);
    return true;
#else
    return false;
#endif
}

void releaseFreeMemory() {
#if __has_include(<gperftools/malloc_extension.h>)
    using Instance = MallocExtension* (*)();
    const auto instance =
        reinterpret_cast<Instance>(::dlsym(RTLD_DEFAULT, "_ZN15MallocExtension8instanceEv"));
    if (instance != nullptr && ::dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) {
        instance()->ReleaseFreeMemory();
        return;
    }
#endif
    ::malloc_trim(0);
}

std::string configureKernels() {
    if (const char* set = std::getenv("ATEN_CPU_CAPABILITY"))
        return set;
    if (!detectCpuFeatures().avx512Kernels)
        return {};
    ::setenv("ATEN_CPU_CAPABILITY", "avx512", 0);
    return "avx512";
}

RuntimeInfo runtimeInfo() {
    RuntimeInfo info;
    info.deadiffVersion = DEADIFF_VERSION_STRING;
    info.torchVersion = TORCH_VERSION;
    info.torchThreads = torch::get_num_threads();
    info.hardwareThreads = static_cast<int>(std::thread::hardware_concurrency());
    info.cpu = detectCpuFeatures();
    info.blas = detectBlas();
    info.allocator = ::dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr ? "tcmalloc" : "glibc malloc";
    if (const char* coretype = std::getenv("OPENBLAS_CORETYPE"))
        info.openblasCoretype = coretype;
    if (const char* capability = std::getenv("ATEN_CPU_CAPABILITY"))
        info.atenCapability = capability;
    return info;
}

double measureSgemmGflops(int n) {
    torch::NoGradGuard noGrad;
    const auto a = torch::randn({n, n});
    const auto b = torch::randn({n, n});
    auto c = torch::mm(a, b); // warm-up: thread pool, BLAS buffers
    double best = 1e30;
    for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        c = torch::mm(a, b);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        best = std::min(best, took.count());
    }
    return 2.0 * n * n * static_cast<double>(n) / best / 1e9;
}

std::string describeRuntime(const RuntimeInfo& info) {
    std::ostringstream out;
    const auto yesNo = [](bool value) { return value ? "yes" : "no"; };
    out << "DEADiff Studio " << info.deadiffVersion << "\n";
    out << "LibTorch:   " << info.torchVersion << "\n";
    out << "Threads:    " << info.torchThreads << " (hardware threads: " << info.hardwareThreads
        << "; set DEADIFF_THREADS to override)\n";
    out << "CPU:        AVX2 " << yesNo(info.cpu.avx2) << ", AVX-512 " << yesNo(info.cpu.avx512f)
        << ", AVX512-BF16 " << yesNo(info.cpu.avx512Bf16) << ", AMX-BF16 "
        << yesNo(info.cpu.amxBf16) << "\n";
    out << "Kernels:    "
        << (info.atenCapability.empty() ? "LibTorch's default"
                                        : "ATEN_CPU_CAPABILITY=" + info.atenCapability)
        << "\n";
    out << "Attention:  ";
    switch (nn::defaultAttentionKernel()) {
    case nn::AttentionKernel::FusedBf16:
        out << "fused bfloat16 kernel (AVX512-BF16); math path for float32 and training";
        break;
    case nn::AttentionKernel::ATen:
        out << "LibTorch's scaled_dot_product_attention";
        break;
    default:
        out << "query chunks (matmul, softmax, matmul)";
        break;
    }
    out << " (DEADIFF_ATTENTION=math|fused|aten overrides)\n";
    out << "Norms:      "
        << (nn::fusedNormsEnabled() ? "fused bfloat16 kernels (GroupNorm + SiLU, LayerNorm, GEGLU)"
                                    : "float32 route for bfloat16 (LibTorch's kernels)")
        << (nn::channelsLastEnabled() ? "; VAE decoder channels-last" : "")
        << " (DEADIFF_FUSED_NORMS=0, DEADIFF_CHANNELS_LAST=0 switch off)\n";
    out << "bfloat16:   "
        << (info.cpu.avx512Bf16 || info.cpu.amxBf16
                ? "supported (about 2x faster than float32 here)"
                : "not supported by this CPU (float32 will be used)")
        << "\n";
    out << "BLAS:       " << info.blas.vendorName;
    if (!info.blas.libraryPath.empty())
        out << " (" << info.blas.libraryPath << ")";
    out << "\n";
    if (!info.blas.config.empty())
        out << "            " << info.blas.config << "\n";
    if (!info.openblasCoretype.empty())
        out << "            OPENBLAS_CORETYPE=" << info.openblasCoretype << "\n";
    if (info.blas.vendor == BlasVendor::Reference)
        out << "WARNING:    the reference BLAS is ~30x slower for float32 matrix products.\n"
            << "            Install OpenBLAS: sudo apt-get install libopenblas0-openmp\n";
    out << "Allocator:  " << info.allocator << "\n";
    return out.str();
}

} // namespace deadiff
