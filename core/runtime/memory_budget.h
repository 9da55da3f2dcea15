// Will a request fit in memory? Before a generation starts, its peak (weights, sampler
// activations by size, batch and dtype, the VAE decode) is estimated and compared with what
// this process may still allocate: MemAvailable, the cgroup limit, the address-space limit
// (ulimit -v / prlimit --as) and DEADIFF_MEMORY_LIMIT, whichever is tightest. A request that
// does not fit is refused with a message and a size that would, instead of being killed by the
// kernel's OOM killer halfway (taking the studio and its unsaved gallery with it).
// Torch-free: the GUI includes it.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff {

// A request that would not fit in memory; the message says how much it needs, how much there
// is, and what would fit.
class MemoryBudgetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What limits this process's memory, in bytes; absent where unknown or unlimited.
struct MemoryLimits {
    std::optional<std::uint64_t> memAvailable;     // /proc/meminfo MemAvailable
    std::optional<std::uint64_t> cgroupFree;       // tightest (limit - usage) of our cgroups
    std::optional<std::uint64_t> addressSpaceFree; // RLIMIT_AS - VmSize
    std::optional<std::uint64_t> configured;       // DEADIFF_MEMORY_LIMIT - VmRSS
    // Free memory the allocator holds for reuse (tcmalloc keeps freed spans): usable again.
    std::uint64_t allocatorFree = 0;

    // What can still be allocated: the tightest limit plus allocatorFree; absent when no limit
    // is known (then nothing is refused).
    std::optional<std::uint64_t> available() const;
    // The tightest limit in words ("MemAvailable", "the cgroup memory limit", ...).
    std::string tightestName() const;
};

// Reads the limits of this process. The roots are for tests (a fake /proc and cgroup tree);
// `configuredLimit` is DEADIFF_MEMORY_LIMIT's text ("6G", "512M", bytes), empty for none.
MemoryLimits readMemoryLimits(const std::string& procRoot = "/proc",
                              const std::string& cgroupRoot = "/sys/fs/cgroup",
                              const std::string& configuredLimit = "");
// readMemoryLimits with DEADIFF_MEMORY_LIMIT from the environment.
MemoryLimits currentMemoryLimits();

// "12 GiB", "640 MiB". Throws std::invalid_argument for text that is not a size.
std::string formatBytes(std::uint64_t bytes);
std::uint64_t parseByteSize(const std::string& text);

// The sizes of a model that decide its memory (from its model.json, or the real SD 1.5 /
// DEADiff sizes for a checkpoint) and the bytes of its weights as loaded.
struct ModelMemoryFacts {
    std::uint64_t weightBytes = 0;     // resident once loaded (encoders float32, UNet and VAE
                                       // in the compute dtype)
    std::uint64_t loadPeakBytes = 0;   // while loading (float32 and converted copies coexist)
    std::uint64_t controlNetBytes = 0; // a ControlNet checkpoint's weights (when one is used)
    int computeBytes = 4;              // 4: float32, 2: bfloat16
    int latentFactor = 8;              // pixels per latent cell
    int nativeImageSize = 512;         // px: the size a request that gives none runs at
    int latentChannels = 4;
    int unetChannels = 320; // UNet model_channels
    std::vector<int> unetMult{1, 2, 4, 4};
    int unetResBlocks = 2;
    int vaeChannels = 128; // VAE ch
    std::vector<int> vaeMult{1, 2, 4, 4};
};

// A request's shape, as far as memory goes.
struct RequestShape {
    int width = 512;
    int height = 512;
    int batch = 1;
    bool guidance = true; // cfg != 1: the UNet runs on unconditional and conditional rows
    bool controlNet = false;
};

struct MemoryEstimate {
    std::uint64_t weights = 0;  // 0 when the model is already loaded (but a ControlNet counts)
    std::uint64_t loading = 0;  // the load's own peak; 0 when the model is already loaded
    std::uint64_t sampling = 0; // UNet (and ControlNet) activations of one sampler step
    std::uint64_t decoding = 0; // the VAE decode (tiled above 1024 px)
    // max(loading, weights + max(sampling, decoding)) plus fixed costs.
    std::uint64_t peak() const;
};

// `weightsLoaded`: the model is resident already (the studio), so only the request's own
// memory counts.
MemoryEstimate estimateRequestMemory(const ModelMemoryFacts& model, const RequestShape& shape,
                                     bool weightsLoaded);

// Throws MemoryBudgetError when the request's peak exceeds what `limits` leave, naming both and
// the largest size of the same aspect (multiple of 64), or the largest batch, that would fit.
void checkRequestFits(const ModelMemoryFacts& model, const RequestShape& shape, bool weightsLoaded,
                      const MemoryLimits& limits);

// Throws MemoryBudgetError when loading the model of `model` (named `modelName` in the message)
// would not fit in what `limits` leave.
void checkModelLoadFits(const ModelMemoryFacts& model, const std::string& modelName,
                        const MemoryLimits& limits);

} // namespace deadiff
