// What the machine and the linked libraries offer, so a slow install can be diagnosed:
// which BLAS serves sgemm, how many threads LibTorch uses, whether bf16 compute pays off.
// Torch-free header: the GUI includes it.
#pragma once

#include <string>

namespace deadiff {

enum class BlasVendor { OpenBlas, Blis, Mkl, Atlas, Reference, Unknown, Missing };

struct BlasInfo {
    BlasVendor vendor = BlasVendor::Missing;
    std::string vendorName;  // "OpenBLAS", "reference BLAS (netlib)", ...
    std::string libraryPath; // the file that actually serves sgemm_, symlinks resolved
    std::string config;      // openblas_get_config() where available
};

struct CpuFeatures {
    bool avx2 = false;
    bool avx512f = false;
    bool avx512Kernels = false; // AVX-512 F, BW, DQ and VL: what LibTorch's AVX-512 kernels need
    bool avx512Bf16 = false;    // AVX512_BF16 present and AVX-512 state enabled by the OS
    bool amxBf16 = false;
};

struct RuntimeInfo {
    std::string deadiffVersion;
    std::string torchVersion;
    int torchThreads = 0;
    int hardwareThreads = 0;
    CpuFeatures cpu;
    BlasInfo blas;
    std::string allocator;        // "tcmalloc" or "glibc malloc"
    std::string openblasCoretype; // OPENBLAS_CORETYPE, empty when unset
    std::string atenCapability;   // ATEN_CPU_CAPABILITY, empty when unset (LibTorch's default)
};

// Resolves the library that serves sgemm_ in this process (dlsym + dladdr + realpath).
BlasInfo detectBlas();

// True when an OpenBLAS libblas.so.3 is installed on the system, used or not.
bool openBlasInstalled();

CpuFeatures detectCpuFeatures();

// Sets LibTorch's intra-op thread count: `requested` when > 0, else DEADIFF_THREADS when set,
// else every hardware thread (LibTorch's own default is half of them). Returns the count set.
// Call before the first parallel operation.
int configureThreads(int requested = 0);

// When tcmalloc serves malloc (the executables link it): stop it from handing freed spans back
// to the kernel. Its default release rate madvises the multi-MB blocks of every attention
// block and UNet layer away and re-faults them on the next call (measured: bf16 attention at
// 4096 tokens 10x slower; same as TCMALLOC_RELEASE_RATE=0). Peak memory is unchanged; freed
// memory stays with the process for the next step. Returns whether tcmalloc was configured.
bool configureAllocator();

// LibTorch 1.13 as packaged here dispatches its AVX2 kernels on an AVX-512 CPU although it ships
// AVX-512 ones too; those make softmax, GELU, SiLU and the other elementwise kernels faster
// (bf16 softmax 4M elements: 1.42 -> 1.01 ms; 512 px bf16 UNet call 3.54 -> 3.29 s). Sets
// ATEN_CPU_CAPABILITY=avx512 when the CPU has the AVX-512 subsets those kernels use and the
// variable is unset (an explicit setting wins). ATen reads it once, at its first kernel
// dispatch: call this at start-up before any tensor operation. Returns the value in effect
// (empty: unset, LibTorch's own choice).
std::string configureKernels();

// Hands the allocator's free memory back to the kernel (tcmalloc: ReleaseFreeMemory; glibc:
// malloc_trim). With configureAllocator()'s release rate 0 nothing else ever does: after
// loading a model, the freed float32 copies and random initial weights (3.5 GiB for the UNet)
// would stay resident through every generation. Call after such a one-off peak.
void releaseFreeMemory();

RuntimeInfo runtimeInfo();

// Times a float32 n x n x n matrix product through LibTorch (best of a few runs).
double measureSgemmGflops(int n = 1024);

// Multi-line, human-readable report of runtimeInfo(), with advice where the install is slow.
std::string describeRuntime(const RuntimeInfo& info);

} // namespace deadiff
