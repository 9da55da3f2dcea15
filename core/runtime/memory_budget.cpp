#include "core/runtime/memory_budget.h"

#include "core/nn/vae_tiling.h"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace deadiff {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

// Activation sizes of our networks, per element of their widest tensors: the peak over the
// resident weights of one UNet call and of one VAE decode, divided by the sizes below, with
// 20 % to spare. `deadiff-bench --memory` measures them (docs/reliability.md, "Memory"; the
// table of measurements is still to be recorded there).
// UNet: the skip connections of every level plus this many model_channels-wide tensors at
// full latent resolution (the transformer's GEGLU feed-forward is 8 wide alone).
constexpr double kUNetWorkWidths = 26.0;
// VAE decode: this many tensors as wide as the decoder's second level, at full resolution
// (the upsampled input of the last level and the norm/swish/conv temporaries of its first
// residual block).
constexpr double kVaeWorkWidths = 3.6;
// Fixed costs beside the networks' activations: the attention score chunks (AttentionOptions'
// budget, 256 MiB in float32), encoders, the sampler's latents, previews.
constexpr std::uint64_t kFixedOverhead = 512 * kMiB;

std::optional<std::uint64_t> readNumber(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])))
        return std::nullopt; // absent, or "max"
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A "Key:   123 kB" line of /proc/meminfo or /proc/self/status, in bytes.
std::optional<std::uint64_t> readKbField(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(key + ":", 0) != 0)
            continue;
        std::istringstream fields(line.substr(key.size() + 1));
        std::uint64_t kb = 0;
        if (fields >> kb)
            return kb * 1024;
    }
    return std::nullopt;
}

// RLIMIT_AS as /proc/<pid>/limits states it ("Max address space  unlimited  unlimited  bytes").
std::optional<std::uint64_t> readAddressSpaceLimit(const std::string& path) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("Max address space", 0) != 0)
            continue;
        std::istringstream fields(line.substr(17));
        std::string soft;
        fields >> soft;
        if (soft.empty() || !std::isdigit(static_cast<unsigned char>(soft[0])))
            return std::nullopt;
        return std::stoull(soft);
    }
    return std::nullopt;
}

void keepTightest(std::optional<std::uint64_t>& tightest, std::uint64_t value) {
    if (!tightest || value < *tightest)
        tightest = value;
}

// The tightest (limit - usage) over our cgroup and its ancestors, v2 or v1.
std::optional<std::uint64_t> readCgroupFree(const std::string& procRoot,
                                            const std::string& cgroupRoot) {
    std::ifstream membership(procRoot + "/self/cgroup");
    std::optional<std::uint64_t> tightest;
    for (std::string line; std::getline(membership, line);) {
        // "0::/path" (v2) or "4:memory:/path" / "4:cpu,memory:/path" (v1).
        const std::size_t first = line.find(':');
        const std::size_t second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos)
            continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        std::string base, limitFile, usageFile;
        if (controllers.empty()) {
            base = cgroupRoot;
            limitFile = "memory.max";
            usageFile = "memory.current";
        } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
            base = cgroupRoot + "/memory";
            limitFile = "memory.limit_in_bytes";
            usageFile = "memory.usage_in_bytes";
        } else {
            continue;
        }
        // Each ancestor's limit applies too; v1's "no limit" is a huge number, harmless here.
        for (;;) {
            const std::string dir = base + (path == "/" ? "" : path);
            const auto limit = readNumber(dir + "/" + limitFile);
            const auto usage = readNumber(dir + "/" + usageFile);
            if (limit && usage)
                keepTightest(tightest, *limit > *usage ? *limit - *usage : 0);
            if (path.empty() || path == "/")
                break;
            path = path.substr(0, path.find_last_of('/'));
            if (path.empty())
                path = "/";
        }
    }
    return tightest;
}

// Free bytes tcmalloc holds for reuse (its release rate is 0: configureAllocator()); 0 with
// glibc malloc. Looked up at run time: only the executables link tcmalloc.
std::uint64_t allocatorFreeBytes() {
    using Property = int (*)(const char*, std::size_t*);
    const auto property =
        reinterpret_cast<Property>(::dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"));
    std::size_t value = 0;
    if (property == nullptr || !property("tcmalloc.pageheap_free_bytes", &value))
        return 0;
    return value;
}

std::uint64_t ceilBytes(double bytes) {
    return static_cast<std::uint64_t>(std::ceil(std::max(0.0, bytes)));
}

std::string shapeText(const RequestShape& shape) {
    std::string text = std::to_string(shape.width) + "x" + std::to_string(shape.height);
    if (shape.batch > 1)
        text += ", batch " + std::to_string(shape.batch);
    return text;
}

} // namespace

std::optional<std::uint64_t> MemoryLimits::available() const {
    std::optional<std::uint64_t> tightest;
    for (const auto& limit : {memAvailable, cgroupFree, addressSpaceFree, configured})
        if (limit)
            keepTightest(tightest, *limit);
    if (!tightest)
        return std::nullopt;
    return *tightest + allocatorFree;
}

std::string MemoryLimits::tightestName() const {
    std::optional<std::uint64_t> tightest;
    std::string name = "free memory";
    const std::pair<const std::optional<std::uint64_t>*, const char*> limits[] = {
        {&memAvailable, "free memory (MemAvailable)"},
        {&cgroupFree, "the cgroup memory limit"},
        {&addressSpaceFree, "the address-space limit (ulimit -v)"},
        {&configured, "DEADIFF_MEMORY_LIMIT"}};
    for (const auto& [limit, limitName] : limits) {
        if (*limit && (!tightest || **limit < *tightest)) {
            tightest = **limit;
            name = limitName;
        }
    }
    return name;
}

MemoryLimits readMemoryLimits(const std::string& procRoot, const std::string& cgroupRoot,
                              const std::string& configuredLimit) {
    MemoryLimits limits;
    limits.memAvailable = readKbField(procRoot + "/meminfo", "MemAvailable");
    limits.cgroupFree = readCgroupFree(procRoot, cgroupRoot);
    const auto addressLimit = readAddressSpaceLimit(procRoot + "/self/limits");
    const auto virtualSize = readKbField(procRoot + "/self/status", "VmSize");
    if (addressLimit && virtualSize)
        limits.addressSpaceFree = *addressLimit > *virtualSize ? *addressLimit - *virtualSize : 0;
    if (!configuredLimit.empty()) {
        const std::uint64_t limit = parseByteSize(configuredLimit);
        const std::uint64_t resident = readKbField(procRoot + "/self/status", "VmRSS").value_or(0);
        limits.configured = limit > resident ? limit - resident : 0;
    }
    limits.allocatorFree = allocatorFreeBytes();
    return limits;
}

MemoryLimits currentMemoryLimits() {
    const char* configured = std::getenv("DEADIFF_MEMORY_LIMIT");
    return readMemoryLimits("/proc", "/sys/fs/cgroup", configured != nullptr ? configured : "");
}

std::string formatBytes(std::uint64_t bytes) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(1);
    if (bytes >= kGiB)
        text << static_cast<double>(bytes) / static_cast<double>(kGiB) << " GiB";
    else
        text << std::setprecision(0) << static_cast<double>(bytes) / static_cast<double>(kMiB)
             << " MiB";
    return text.str();
}

std::uint64_t parseByteSize(const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument("not a memory size: '" + text + "' (e.g. 8G, 512M)");
    }
    std::string unit = text.substr(used);
    unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
    std::uint64_t scale = 1;
    if (unit == "K" || unit == "KiB" || unit == "k")
        scale = 1024;
    else if (unit == "M" || unit == "MiB" || unit == "m")
        scale = kMiB;
    else if (unit == "G" || unit == "GiB" || unit == "g")
        scale = kGiB;
    else if (!unit.empty() && unit != "B")
        throw std::invalid_argument("not a memory size: '" + text + "' (e.g. 8G, 512M)");
    if (!(value > 0) || value * static_cast<double>(scale) > 1e18)
        throw std::invalid_argument("not a memory size: '" + text + "' (e.g. 8G, 512M)");
    return static_cast<std::uint64_t>(value * static_cast<double>(scale));
}

std::uint64_t MemoryEstimate::peak() const {
    return std::max(loading, weights + std::max(sampling, decoding)) + kFixedOverhead;
}

MemoryEstimate estimateRequestMemory(const ModelMemoryFacts& model, const RequestShape& shape,
                                     bool weightsLoaded) {
    MemoryEstimate estimate;
    if (!weightsLoaded) {
        estimate.weights = model.weightBytes;
        estimate.loading = std::max(model.loadPeakBytes, model.weightBytes);
    }
    if (shape.controlNet)
        estimate.weights += model.controlNetBytes; // loaded on first use, even in the studio
    const double bytes = model.computeBytes;
    const double cells = static_cast<double>(shape.width / model.latentFactor) *
                         static_cast<double>(shape.height / model.latentFactor);
    const double rows = static_cast<double>(shape.batch) * (shape.guidance ? 2.0 : 1.0);
    // Skip connections: (res blocks + 1) outputs per level, the level's width, at its size.
    double skips = 0;
    double area = 1;
    for (const int mult : model.unetMult) {
        skips += (model.unetResBlocks + 1) * model.unetChannels * mult * area;
        area /= 4;
    }
    double unet = rows * cells * (skips + kUNetWorkWidths * model.unetChannels) * bytes;
    if (shape.controlNet) // its encoder half keeps the same skips and works as wide
        unet *= 2;
    estimate.sampling = ceilBytes(unet);

    const int vaeWidth = model.vaeChannels * model.vaeMult[model.vaeMult.size() > 1 ? 1 : 0];
    const nn::VaeTiling tiling;
    const std::int64_t latentHeight = shape.height / model.latentFactor;
    const std::int64_t latentWidth = shape.width / model.latentFactor;
    const double pixels = static_cast<double>(shape.width) * shape.height;
    double decode = 0;
    if (nn::needsTiling(tiling, latentHeight, latentWidth)) {
        // One image at a time: the larger of the statistics pass (an untiled decode of the
        // image shrunk into the untiled limit) and one tile with its margins, plus the float32
        // sum and weight images (the mid block's whole-latent tensors are small beside them).
        const std::int64_t shrink = nn::statisticsShrink(tiling, latentHeight, latentWidth);
        const double shrunkPixels =
            static_cast<double>((latentHeight + shrink - 1) / shrink * model.latentFactor) *
            static_cast<double>((latentWidth + shrink - 1) / shrink * model.latentFactor);
        const double tileSide =
            static_cast<double>((tiling.tileSide + 2 * tiling.margin) * model.latentFactor);
        const double passPixels = std::max(shrunkPixels, tileSide * tileSide);
        decode = kVaeWorkWidths * vaeWidth * passPixels * bytes + 2.0 * 4.0 * 4.0 * pixels;
    } else {
        decode = shape.batch * kVaeWorkWidths * vaeWidth * pixels * bytes;
    }
    // The decoded batch in float32 and as 8-bit images.
    decode += shape.batch * pixels * 3.0 * (4.0 + 1.0);
    estimate.decoding = ceilBytes(decode);
    return estimate;
}

void checkRequestFits(const ModelMemoryFacts& model, const RequestShape& shape, bool weightsLoaded,
                      const MemoryLimits& limits) {
    const std::optional<std::uint64_t> available = limits.available();
    if (!available)
        return;
    const auto fits = [&](const RequestShape& candidate) {
        return estimateRequestMemory(model, candidate, weightsLoaded).peak() <= *available;
    };
    if (fits(shape))
        return;
    const MemoryEstimate estimate = estimateRequestMemory(model, shape, weightsLoaded);
    std::ostringstream message;
    message << shapeText(shape) << " needs about " << formatBytes(estimate.peak())
            << " of memory (";
    if (estimate.weights > 0)
        message << "model " << formatBytes(estimate.weights) << ", ";
    message << "sampling " << formatBytes(estimate.sampling) << ", decoding "
            << formatBytes(estimate.decoding) << "), but " << limits.tightestName() << " leaves "
            << formatBytes(*available) << ".";
    // The largest size of the same aspect that fits, at this batch; else a smaller batch.
    const int longSide = std::max(shape.width, shape.height);
    std::optional<RequestShape> smaller;
    for (int side = longSide - 64; side >= 64 && !smaller; side -= 64) {
        RequestShape candidate = shape;
        const double scale = static_cast<double>(side) / longSide;
        candidate.width =
            std::max(64, static_cast<int>(std::lround(shape.width * scale / 64)) * 64);
        candidate.height =
            std::max(64, static_cast<int>(std::lround(shape.height * scale / 64)) * 64);
        if (fits(candidate))
            smaller = candidate;
    }
    std::optional<RequestShape> fewer;
    for (int batch = shape.batch - 1; batch >= 1 && !fewer; --batch) {
        RequestShape candidate = shape;
        candidate.batch = batch;
        if (fits(candidate))
            fewer = candidate;
    }
    if (smaller)
        message << " " << smaller->width << "x" << smaller->height << " would fit";
    if (fewer)
        message << (smaller ? ", as would " : " ") << "batch " << fewer->batch << " at "
                << shape.width << "x" << shape.height << (smaller ? "" : " would fit");
    if (smaller || fewer)
        message << ".";
    else
        message << " Even the smallest image does not fit: close other programs"
                << (model.computeBytes > 2 ? " or use --dtype bfloat16" : "") << ".";
    throw MemoryBudgetError(message.str());
}

void checkModelLoadFits(const ModelMemoryFacts& model, const std::string& modelName,
                        const MemoryLimits& limits) {
    const std::optional<std::uint64_t> available = limits.available();
    const std::uint64_t peak = std::max(model.loadPeakBytes, model.weightBytes) + kFixedOverhead;
    if (!available || peak <= *available)
        return;
    throw MemoryBudgetError("loading " + modelName + " needs about " + formatBytes(peak) +
                            " of memory, but " + limits.tightestName() + " leaves " +
                            formatBytes(*available) + ". Close other programs" +
                            (model.computeBytes > 2 ? " or use bfloat16" : "") + ".");
}

} // namespace deadiff
