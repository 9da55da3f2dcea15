// deadiff-bench: what one UNet call and one sampler step cost on this machine. Not a test:
// numbers vary with the machine and its load, so it prints min and median of several runs next
// to the machine's measured GEMM rates, and never fails on speed.
//
//   deadiff-bench [--sizes 256,512] [--dtypes float32,bfloat16] [--runs 3]
//                 [--model CKPT --steps 4 --sampler ddim]  (also the whole pipeline per step)
//
// Prints everything docs/performance.md reports: GEMM rates; UNet per call (min/median,
// achieved GFLOP/s against the GEMM rate); self-attention at the latent's token count
// (tokens/s, GFLOP/s; the inference kernel and the differentiable path); per pipeline step
// (min/median) with the RSS after loading, the peak RSS during generation and the bytes of the
// weights in the compute dtype.
#include "app/cli/args.h"
#include "core/io/png.h"
#include "core/io/safetensors.h"
#include "core/io/weight_file.h"
#include "core/nn/attention.h"
#include "core/nn/attention_bf16.h"
#include "core/nn/taesd.h"
#include "core/nn/unet.h"
#include "core/nn/vae.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/reference_encoder.h"
#include "core/runtime/system_info.h"

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <sys/mman.h>
#include <sys/resource.h>

#include <opencv2/core.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

// A --dtype / --sampler value as the enum the pipeline takes.
template <typename Enum> Enum parsedChoice(const std::string& name) {
    if (const auto parsed = deadiff::enumFromName<Enum>(name))
        return *parsed;
    throw std::runtime_error("'" + name + "' is not one of " + deadiff::enumNameList<Enum>());
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');)
        if (!item.empty())
            items.push_back(item);
    return items;
}

double peakRssGiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / (1024.0 * 1024.0);
}

// VmHWM / VmRSS of /proc/self/status in GiB (0 where unavailable).
double procStatusGiB(const std::string& field) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(field + ":", 0) == 0)
            return std::stod(line.substr(field.size() + 1)) / (1024.0 * 1024.0); // kB
    return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the next peak is the generation's own.
void resetPeakRss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
}

struct Stats {
    double min = 0, median = 0;
};

Stats statsOf(std::vector<double> seconds) {
    std::sort(seconds.begin(), seconds.end());
    return {seconds.front(), seconds[seconds.size() / 2]};
}

// The dtype named on the command line: "bfloat16", anything else float32 (main refuses other
// names except for --memory, which runs first).
torch::ScalarType scalarType(const std::string& dtypeName) {
    return dtypeName == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
}

double gemmGflops(torch::ScalarType dtype, int n = 2048) {
    torch::NoGradGuard noGrad;
    const auto a = torch::randn({n, n}).to(dtype);
    const auto b = torch::randn({n, n}).to(dtype);
    torch::mm(a, b);
    double best = 1e30;
    for (int i = 0; i < 3; ++i) {
        const auto start = Clock::now();
        torch::mm(a, b);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return 2.0 * n * n * static_cast<double>(n) / best / 1e9;
}

// FLOP of one real-size SD 1.5 UNet call, batch 2 (shared/docs/platform-notes.md, counted by
// PyTorch's flop counter on the official UNet; DEADiff's 16 extra keys add < 0.1 %).
double unetGflop(int px) {
    static const std::map<int, double> known{{256, 360.0}, {512, 1606.0}};
    const auto it = known.find(px);
    return it == known.end() ? 0.0 : it->second;
}

std::string rate(double gflop, double seconds, double gemm) {
    if (gflop <= 0 || seconds <= 0)
        return "n/a";
    char text[64];
    std::snprintf(text, sizeof text, "%.0f (%.0f%%)", gflop / seconds,
                  100.0 * gflop / seconds / gemm);
    return text;
}

// Self-attention of a 512 px (4096 tokens) or 256 px (1024 tokens) UNet level-0 transformer:
// batch 2, 8 heads of 40, as the UNet calls it (q, k, v as views of [batch, tokens, heads·40],
// the output merged back). tokens/s counts query tokens of the batch. Every kernel that runs
// here is timed: the math path, the fused bfloat16 kernel, LibTorch's own (>= 2.1).
void benchAttention(const std::vector<std::string>& sizes, const std::vector<std::string>& dtypes,
                    int runs) {
    using deadiff::nn::AttentionKernel;
    torch::NoGradGuard noGrad;
    std::printf(
        "\nSelf-attention, batch 2 x 8 heads x 40, tokens = (px/8)^2 (default kernel: %s)\n",
        deadiff::nn::attentionKernelName(deadiff::nn::defaultAttentionKernel()));
    std::printf("%-6s %-9s %-7s %9s %9s %12s %9s\n", "px", "dtype", "kernel", "min s", "median s",
                "tokens/s", "GFLOP/s");
    std::vector<AttentionKernel> kernels{AttentionKernel::Math};
    if (deadiff::nn::detail::fusedBf16AttentionSupported())
        kernels.push_back(AttentionKernel::FusedBf16);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    kernels.push_back(AttentionKernel::ATen);
#endif
    for (const std::string& dtypeName : dtypes) {
        const auto dtype = scalarType(dtypeName);
        for (const std::string& sizeText : sizes) {
            const std::int64_t tokens = (std::stoll(sizeText) / 8) * (std::stoll(sizeText) / 8);
            const auto heads = [&] {
                return deadiff::nn::splitHeads(torch::randn({2, tokens, 8 * 40}).to(dtype), 8);
            };
            const auto q = heads();
            const auto k = heads();
            const auto v = heads();
            const double gflop = 4.0 * 2 * 8 * static_cast<double>(tokens * tokens) * 40 / 1e9;
            for (const AttentionKernel kernel : kernels) {
                if (kernel == AttentionKernel::FusedBf16 && dtype != torch::kBFloat16)
                    continue;
                deadiff::nn::AttentionOptions options;
                options.kernel = kernel;
                const auto attend = [&] {
                    return deadiff::nn::mergeHeads(
                        deadiff::nn::scaledDotProductAttention(q, k, v, options));
                };
                attend(); // warm-up
                std::vector<double> seconds;
                for (int run = 0; run < runs; ++run) {
                    const auto start = Clock::now();
                    attend();
                    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
                }
                const Stats stats = statsOf(seconds);
                std::printf("%-6s %-9s %-7s %9.3f %9.3f %12.0f %9.0f\n", sizeText.c_str(),
                            dtypeName.c_str(), deadiff::nn::attentionKernelName(kernel), stats.min,
                            stats.median, 2.0 * static_cast<double>(tokens) / stats.min,
                            gflop / stats.min);
                std::fflush(stdout);
            }
        }
    }
}

// Returns the min seconds of each case, keyed "px dtype".
std::map<std::string, double> benchUNet(const std::vector<std::string>& sizes,
                                        const std::vector<std::string>& dtypes, int runs,
                                        const std::map<std::string, double>& gemm) {
    std::map<std::string, double> minima;
    torch::NoGradGuard noGrad;
    torch::manual_seed(0);
    deadiff::nn::UNetModel unet{deadiff::nn::UNetConfig{}};
    unet->eval();
    std::printf("\nSD 1.5 DEADiff UNet, real size, random weights, batch 2 (guidance)\n");
    std::printf("%-6s %-9s %9s %9s %18s %10s\n", "px", "dtype", "min s", "median s",
                "GFLOP/s (of GEMM)", "peak GiB");
    for (const std::string& dtypeName : dtypes) {
        const auto dtype = scalarType(dtypeName);
        unet->to(dtype);
        for (const std::string& sizeText : sizes) {
            const int px = std::stoi(sizeText);
            const auto x = torch::randn({2, 4, px / 8, px / 8});
            const auto t = torch::full({2}, 500, torch::kInt64);
            // Keys/values projected once, as the pipeline does.
            const deadiff::nn::UNetContext context =
                unet->projectContext({torch::randn({2, 16, 768}), torch::randn({2, 77, 768}),
                                      torch::zeros({2, 16, 768}), torch::randn({2, 77, 768}), 1.0});
            unet->forward(x, t, context); // warm-up
            std::vector<double> seconds;
            for (int run = 0; run < runs; ++run) {
                const auto start = Clock::now();
                unet->forward(x, t, context);
                seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
            }
            const Stats stats = statsOf(seconds);
            std::printf("%-6d %-9s %9.3f %9.3f %18s %10.2f\n", px, dtypeName.c_str(), stats.min,
                        stats.median, rate(unetGflop(px), stats.min, gemm.at(dtypeName)).c_str(),
                        peakRssGiB());
            std::fflush(stdout);
            minima[sizeText + " " + dtypeName] = stats.min;
        }
    }
    return minima;
}

// `run` once to warm up, then once under LibTorch's (legacy) profiler: wall time of the
// outermost ATen ops, by op and by op with its input shapes (where the time goes; --profile).
void profileOps(const std::string& title, const std::function<void()>& run) {
    namespace prof = torch::autograd::profiler;
    run(); // warm-up
    prof::enableProfilerLegacy(
        torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU, true));
    const auto start = Clock::now();
    run();
    const double total = std::chrono::duration<double>(Clock::now() - start).count();
    const prof::thread_event_lists lists = prof::disableProfilerLegacy();

    struct Sum {
        double seconds = 0;
        int calls = 0;
    };
    std::map<std::string, Sum> byOp, byShape;
    for (const auto& events : lists) {
        std::vector<const prof::LegacyEvent*> stack;
        for (const prof::LegacyEvent& event : events) {
            if (event.kind() == prof::EventKind::PushRange) {
                stack.push_back(&event);
            } else if (event.kind() == prof::EventKind::PopRange && !stack.empty()) {
                const prof::LegacyEvent* begin = stack.back();
                stack.pop_back();
                if (!stack.empty())
                    continue;
                const double seconds = begin->cpuElapsedUs(event) / 1e6;
                std::ostringstream shapes;
                for (const auto& shape : begin->shapes()) {
                    if (shape.empty())
                        continue;
                    shapes << " [";
                    for (std::size_t i = 0; i < shape.size(); ++i)
                        shapes << (i ? "," : "") << shape[i];
                    shapes << "]";
                }
                byOp[begin->name()].seconds += seconds;
                ++byOp[begin->name()].calls;
                const std::string key = std::string(begin->name()) + shapes.str();
                byShape[key].seconds += seconds;
                ++byShape[key].calls;
            }
        }
    }
    const auto print = [&](const std::map<std::string, Sum>& sums, std::size_t rows) {
        std::vector<std::pair<std::string, Sum>> sorted(sums.begin(), sums.end());
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
        for (std::size_t i = 0; i < std::min(rows, sorted.size()); ++i)
            std::printf("%9.3f %5.1f%% %5d  %s\n", sorted[i].second.seconds,
                        100.0 * sorted[i].second.seconds / total, sorted[i].second.calls,
                        sorted[i].first.c_str());
    };
    std::printf("\nProfile of %s: %.3f s (profiled)\n", title.c_str(), total);
    std::printf("%9s %6s %5s  %s\n", "s", "share", "calls", "outermost op");
    print(byOp, 40);
    std::printf("\n%9s %6s %5s  %s\n", "s", "share", "calls", "op [input shapes]");
    print(byShape, 90);
    std::fflush(stdout);
}

void profileUNet(int px, const std::string& dtypeName) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(0);
    deadiff::nn::UNetModel unet{deadiff::nn::UNetConfig{}};
    unet->eval();
    unet->to(scalarType(dtypeName));
    const auto x = torch::randn({2, 4, px / 8, px / 8});
    const auto t = torch::full({2}, 500, torch::kInt64);
    const deadiff::nn::UNetContext context =
        unet->projectContext({torch::randn({2, 16, 768}), torch::randn({2, 77, 768}),
                              torch::zeros({2, 16, 768}), torch::randn({2, 77, 768}), 1.0});
    profileOps("one UNet call, " + std::to_string(px) + " px " + dtypeName + ", batch 2",
               [&] { unet->forward(x, t, context); });
}

// The real-size VAE's decode of one image, untiled (--profile-vae).
void profileVaeDecode(int px, const std::string& dtypeName) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(0);
    deadiff::nn::AutoencoderKL vae{deadiff::nn::VaeConfig{}};
    vae->eval();
    vae->to(scalarType(dtypeName));
    vae->tiling.maxUntiledSide = std::numeric_limits<std::int64_t>::max();
    const auto z = torch::randn({1, 4, px / 8, px / 8});
    profileOps("one VAE decode, " + std::to_string(px) + " px " + dtypeName,
               [&] { vae->decode(z); });
}

// Resident set in GiB from /proc/self/statm (cheap enough to poll every millisecond).
// Also the file-backed part (mapped checkpoint pages) of it.
double residentGiB(double* fileBacked = nullptr) {
    std::ifstream statm("/proc/self/statm");
    double pages = 0, resident = 0, shared = 0;
    statm >> pages >> resident >> shared;
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0 * 1024.0);
    if (fileBacked != nullptr)
        *fileBacked = shared * page;
    return resident * page;
}

// Step times, plus the peak resident set of each stage ("Encoding prompt", "steps",
// "Decoding image", ...) sampled by a polling thread: where a generation's peak happens.
class StepTimer : public deadiff::GenerationObserver {
public:
    StepTimer()
        : poller_([this] {
            while (!stop_) {
                double file = 0;
                const double rss = residentGiB(&file);
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    auto& [peak, peakFile] = peaks_[stage_];
                    if (rss > peak) {
                        peak = rss;
                        peakFile = file;
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }) {}
    ~StepTimer() override {
        stop_ = true;
        poller_.join();
    }
    void onStage(const std::string& stage) override {
        std::lock_guard<std::mutex> lock(mutex_);
        stage_ = stage;
    }
    void onStep(const deadiff::StepInfo& info) override {
        seconds.push_back(info.stepSeconds);
        std::lock_guard<std::mutex> lock(mutex_);
        stage_ = "sampler steps";
    }
    bool wantsPreviews() const override { return false; }
    std::string stagePeaks() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::ostringstream out;
        for (const auto& [stage, peak] : peaks_)
            out << "  " << stage << ": " << peak.first << " GiB (file-backed " << peak.second
                << ", anonymous " << peak.first - peak.second << ")\n";
        return out.str();
    }
    std::vector<double> seconds;

private:
    std::mutex mutex_;
    std::string stage_ = "start";
    std::map<std::string, std::pair<double, double>> peaks_;
    std::atomic<bool> stop_{false};
    std::thread poller_;
};

// Bytes of the checkpoint's floating-point tensors with the UNet and VAE in `dtype` (the
// pipeline converts those two; the encoders stay float32): "weights" of the memory goal.
double weightGiB(const std::string& model, const std::string& dtype) {
    const deadiff::io::WeightFile file = deadiff::io::WeightFile::open(model);
    double bytes = 0;
    for (const auto& info : file.tensors()) {
        double count = 1;
        for (const std::int64_t size : info.shape)
            count *= static_cast<double>(size);
        const bool converted = info.name.rfind("model.diffusion_model.", 0) == 0 ||
                               info.name.rfind("first_stage_model.", 0) == 0;
        const bool keptFloat16 = info.dtype == deadiff::io::DType::F16 &&
                                 deadiff::pipeline::keepsFloat16AsStored(info.name);
        bytes += count * ((converted && dtype == "bfloat16") || keptFloat16 ? 2.0 : 4.0);
    }
    return bytes / (1024.0 * 1024.0 * 1024.0);
}

// The request every pipeline benchmark runs: "a castle on a hill" with the style reference (if
// any), `px` square, seed 1, default CFG.
deadiff::GenerationRequest benchRequest(int px, const std::string& style,
                                        const std::string& sampler, int steps) {
    deadiff::GenerationRequest request;
    request.prompt = "a castle on a hill";
    if (!style.empty())
        request.styles.push_back({style, std::nullopt});
    request.width = request.height = px;
    request.steps = steps;
    request.sampler = parsedChoice<deadiff::SamplerKind>(sampler);
    request.seed = 1;
    return request;
}

// Pipeline::load, timed, and where it spent the time: " stage X s," from each stage's start to
// the next one's.
struct TimedLoad {
    std::unique_ptr<deadiff::Pipeline> pipeline;
    double seconds = 0;
    std::string stages;
};

TimedLoad timedLoad(const deadiff::LoadOptions& options) {
    TimedLoad load;
    const auto start = Clock::now();
    auto stageStart = start;
    std::string stage = "open";
    const auto progress = [&](const std::string& what, double) {
        const auto now = Clock::now();
        char line[96];
        std::snprintf(line, sizeof line, " %s %.2f s,", stage.c_str(),
                      std::chrono::duration<double>(now - stageStart).count());
        load.stages += line;
        stage = what;
        stageStart = now;
    };
    load.pipeline = deadiff::Pipeline::load(options, progress);
    load.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return load;
}

void benchPipeline(const std::string& model, const std::vector<std::string>& sizes,
                   const std::vector<std::string>& dtypes, int steps, const std::string& style,
                   const std::string& sampler) {
    std::printf("\nWhole pipeline (%s), %s, guidance, per sampler step\n", model.c_str(),
                sampler.c_str());
    std::printf("%-6s %-9s %9s %9s %8s %12s %12s %11s\n", "px", "dtype", "min s", "median s",
                "load s", "RSS load GiB", "peak gen GiB", "weights GiB");
    for (const std::string& dtypeName : dtypes) {
        TimedLoad load = timedLoad({model, parsedChoice<deadiff::ComputeDtype>(dtypeName)});
        auto& pipeline = load.pipeline;
        const double loadSeconds = load.seconds;
        std::printf("load stages:%s\n", load.stages.c_str());
        const double weights = weightGiB(model, dtypeName);
        for (const std::string& sizeText : sizes) {
            const deadiff::GenerationRequest request =
                benchRequest(std::stoi(sizeText), style, sampler, steps);
            StepTimer timer;
            double fileLoaded = 0;
            const double rssLoaded = residentGiB(&fileLoaded);
            std::printf("after load: %.3f GiB resident, %.3f file-backed\n", rssLoaded, fileLoaded);
            resetPeakRss();
            pipeline->generate(request, &timer);
            const Stats stats = statsOf(timer.seconds);
            std::printf("%-6s %-9s %9.3f %9.3f %8.1f %12.2f %12.2f %11.2f\n", sizeText.c_str(),
                        dtypeName.c_str(), stats.min, stats.median, loadSeconds, rssLoaded,
                        procStatusGiB("VmHWM"), weights);
            std::printf("peak resident set by stage (polled every ms):\n%s",
                        timer.stagePeaks().c_str());
            std::fflush(stdout);
        }
    }
}

// GB/s of writing one byte per 4 KiB page into `bytes` of anonymous memory on huge pages (as the
// loaded weights are): the cost of memory the process has not touched before.
double firstTouchRate(std::size_t bytes) {
    void* memory =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        return 0;
#ifdef MADV_HUGEPAGE
    ::madvise(memory, bytes, MADV_HUGEPAGE);
#endif
    auto* bytesOf = static_cast<volatile char*>(memory);
    const auto start = Clock::now();
    for (std::size_t offset = 0; offset < bytes; offset += 4096)
        bytesOf[offset] = 1;
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    ::munmap(memory, bytes);
    return static_cast<double>(bytes) / seconds / 1e9;
}

// A bf16 load writes 1.8 GiB of fresh memory (the UNet and VAE converted to bf16).
// On a desktop the kernel clears such pages at ~10 GB/s; in a VM whose balloon driver reports
// free pages to the host, each first touch also faults on the host (0.5-0.8 GB/s measured on
// the development VM), which then dominates the load. Measured after the pipeline runs so that
// it takes nothing from them: memory the system has not used for a while, then the same
// amount again at once (pages just freed, not yet handed back).
void printFirstTouchRates() {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const std::size_t bytes = std::size_t{1} << 30;
    const double fresh = firstTouchRate(bytes);
    const double reused = firstTouchRate(bytes);
    std::printf("first touch of 1 GiB of memory: %.2f GB/s fresh, %.2f GB/s just freed "
                "(the load's new weights pay the fresh rate)\n",
                fresh, reused);
}

// Issue 27's "done when", in one run beside the GEMM rate. The checkpoint part runs first, as in
// a fresh studio: the load, then one 20-step DPM++ 512 px bf16 image with guidance from request
// to PNG, its steps and its peak resident set.
struct TargetRun {
    double loadSeconds = 0, imageSeconds = 0, peakGiB = 0, weightsGiB = 0;
    double reloadSeconds = 0; // a second load in the process: its memory touched before
    std::string loadStages, reloadStages;
    Stats steps;
};

TargetRun benchTargetImage(const std::string& model, const std::string& style) {
    TargetRun run;
    TimedLoad load = timedLoad({model, deadiff::ComputeDtype::BFloat16});
    auto& pipeline = load.pipeline;
    run.loadSeconds = load.seconds;
    run.loadStages = load.stages;
    run.weightsGiB = weightGiB(model, "bfloat16");
    const deadiff::GenerationRequest request = benchRequest(512, style, "dpmpp-2m", 20);
    const std::string png = (std::filesystem::temp_directory_path() /
                             ("deadiff-targets-" + std::to_string(::getpid()) + ".png"))
                                .string();
    resetPeakRss();
    StepTimer timer;
    const auto start = Clock::now();
    const deadiff::GenerationResult result = pipeline->generate(request, &timer);
    deadiff::io::writePng(png, result.images.front(), deadiff::resultMetadata(result.request));
    run.imageSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::filesystem::remove(png);
    run.peakGiB = procStatusGiB("VmHWM");
    run.steps = statsOf(timer.seconds);
    // The same load once more, into the memory the first one freed (kept by the allocator):
    // what the load costs without the first touch of fresh memory.
    pipeline.reset();
    const TimedLoad again = timedLoad({model, deadiff::ComputeDtype::BFloat16});
    run.reloadSeconds = again.seconds;
    run.reloadStages = again.stages;
    return run;
}

void printTargets(const TargetRun& run, double unetSeconds, double gemmBf16) {
    std::printf("\nIssue 27's targets (bf16 GEMM %.0f GFLOP/s in this run; outputs: ctest -L "
                "oracle)\n",
                gemmBf16);
    std::printf("%-44s %12s %14s %5s\n", "", "measured", "target", "met");
    const auto row = [](const char* what, const std::string& measured, const std::string& target,
                        bool met) {
        std::printf("%-44s %12s %14s %5s\n", what, measured.c_str(), target.c_str(),
                    met ? "yes" : "no");
    };
    const auto format = [](const char* pattern, double value) {
        char text[32];
        std::snprintf(text, sizeof text, pattern, value);
        return std::string(text);
    };
    row("UNet 512 px bf16 batch 2, min", format("%.2f s", unetSeconds), "<= 2.40 s",
        unetSeconds <= 2.4);
    row("pipeline step (DPM++ with guidance), min", format("%.2f s", run.steps.min), "<= 2.50 s",
        run.steps.min <= 2.5);
    row("20-step DPM++ 512 px image, request to PNG", format("%.1f s", run.imageSeconds), "< 60 s",
        run.imageSeconds < 60.0);
    row("load (file in the page cache)", format("%.2f s", run.loadSeconds), "<= 2.00 s",
        run.loadSeconds <= 2.0);
    row("peak resident set of that image", format("%.2f GiB", run.peakGiB),
        format("<= %.2f GiB", run.weightsGiB + 0.75), run.peakGiB <= run.weightsGiB + 0.75);
    std::printf("(weights as the pipeline holds them: %.2f GiB; step median %.2f s; the load "
                "again in the same process, into memory touched before: %.2f s)\n",
                run.weightsGiB, run.steps.median, run.reloadSeconds);
    std::printf("(load stages:%s\n again:%s)\n", run.loadStages.c_str(), run.reloadStages.c_str());
    std::fflush(stdout);
}

// The samplers against DDIM-50 on the same model, seed and prompt: PSNR / RMSE of the decoded
// images (8-bit RGB). DDIM-20 is listed too, as the baseline a faster sampler must beat.
// PSNR (dB, 99 for identical images) and RMSE of two 8-bit RGB images.
std::pair<double, double> imageDistance(const cv::Mat& image, const cv::Mat& reference) {
    cv::Mat difference;
    cv::absdiff(image, reference, difference);
    difference.convertTo(difference, CV_64F);
    const cv::Scalar perChannel = cv::mean(difference.mul(difference));
    const double meanSquare = (perChannel[0] + perChannel[1] + perChannel[2]) / 3.0;
    const double psnr = meanSquare > 0 ? 10.0 * std::log10(255.0 * 255.0 / meanSquare) : 99.0;
    return {psnr, std::sqrt(meanSquare)};
}

// One image of "a castle on a hill" (seed 1, default CFG) and the seconds generate() took.
std::pair<cv::Mat, double> timedImage(deadiff::Pipeline& pipeline, int px, const std::string& style,
                                      const std::string& sampler, int steps,
                                      int cacheInterval = 1) {
    deadiff::GenerationRequest request = benchRequest(px, style, sampler, steps);
    request.cacheInterval = cacheInterval;
    StepTimer timer;
    const auto start = Clock::now();
    const cv::Mat image = pipeline.generate(request, &timer).images.front();
    return {image, std::chrono::duration<double>(Clock::now() - start).count()};
}

void compareSamplers(const std::string& model, const std::string& dtype, int px,
                     const std::string& style) {
    auto pipeline = deadiff::Pipeline::load({model, parsedChoice<deadiff::ComputeDtype>(dtype)});
    std::printf("\nSamplers vs DDIM-50 (%s, %d px, %s, seed 1, cfg default)\n", model.c_str(), px,
                dtype.c_str());
    std::printf("%-12s %6s %9s %9s %10s\n", "sampler", "steps", "PSNR dB", "RMSE", "seconds");
    const auto [reference, referenceSeconds] = timedImage(*pipeline, px, style, "ddim", 50);
    std::printf("%-12s %6d %9s %9s %10.1f\n", "ddim", 50, "-", "-", referenceSeconds);
    for (const auto& [sampler, steps] : std::vector<std::pair<std::string, int>>{
             {"ddim", 20}, {"dpmpp-2m", 20}, {"euler-a", 20}}) {
        const auto [image, seconds] = timedImage(*pipeline, px, style, sampler, steps);
        const auto [psnr, rmse] = imageDistance(image, reference);
        std::printf("%-12s %6d %9.2f %9.2f %10.1f\n", sampler.c_str(), steps, psnr, rmse, seconds);
        std::fflush(stdout);
    }
}

// DeepCache's step reuse (--cache-interval N) against the uncached image of the same sampler,
// steps, seed and prompt: speed-up and PSNR.
void compareCacheIntervals(const std::string& model, const std::string& dtype, int px,
                           const std::string& style, const std::string& sampler, int steps) {
    auto pipeline = deadiff::Pipeline::load({model, parsedChoice<deadiff::ComputeDtype>(dtype)});
    std::printf("\nStep reuse vs uncached (%s, %d px, %s, %s %d steps, seed 1, cfg default)\n",
                model.c_str(), px, dtype.c_str(), sampler.c_str(), steps);
    std::printf("%-8s %9s %9s %10s %9s\n", "interval", "PSNR dB", "RMSE", "seconds", "speed-up");
    const auto [reference, referenceSeconds] = timedImage(*pipeline, px, style, sampler, steps);
    std::printf("%-8d %9s %9s %10.1f %9s\n", 1, "-", "-", referenceSeconds, "-");
    for (const int interval : {2, 3, 5}) {
        const auto [image, seconds] = timedImage(*pipeline, px, style, sampler, steps, interval);
        const auto [psnr, rmse] = imageDistance(image, reference);
        std::printf("%-8d %9.2f %9.2f %10.1f %8.2fx\n", interval, psnr, rmse, seconds,
                    referenceSeconds / seconds);
        std::fflush(stdout);
    }
}

// What the artist waits for before the first live preview (issue 27, point 5): seconds from
// generate() to each stage, to the end of step 1 (whose onStep carries the first preview) and
// of step 2; the run stops there. Twice: the first generation of the process, then a warm one.
class FirstPreviewTimer : public deadiff::GenerationObserver {
public:
    void onStage(const std::string& stage) override { marks.push_back({stage, elapsed()}); }
    void onStep(const deadiff::StepInfo& info) override {
        ++steps; // info.step counts from 0
        if (steps == 1)
            previewDelivered = !info.previews.empty();
        marks.push_back({"step " + std::to_string(steps) + " ends" +
                             (steps == 1 && previewDelivered ? " (first preview)" : ""),
                         elapsed()});
    }
    bool cancelled() const override { return steps >= 2; }
    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start).count(); }

    Clock::time_point start = Clock::now();
    std::vector<std::pair<std::string, double>> marks;
    bool previewDelivered = false;
    int steps = 0;
};

void benchFirstPreview(const std::string& model, const std::string& dtype, int px,
                       const std::string& style, const std::string& sampler, int steps) {
    auto pipeline = deadiff::Pipeline::load({model, parsedChoice<deadiff::ComputeDtype>(dtype)});
    std::printf("\nTime to the first live preview, %d px %s, %s %d steps, guidance\n", px,
                dtype.c_str(), sampler.c_str(), steps);
    for (const char* which : {"first generation of the process", "second generation"}) {
        FirstPreviewTimer timer;
        try {
            pipeline->generate(benchRequest(px, style, sampler, steps), &timer);
        } catch (const deadiff::CancelledError&) { // stopped after step 2, as intended
        }
        std::printf("%s:", which);
        for (const auto& [what, seconds] : timer.marks)
            std::printf(" %s %.2f s;", what.c_str(), seconds);
        std::printf(" preview with step 1: %s\n", timer.previewDelivered ? "yes" : "NO");
        std::fflush(stdout);
    }
}

// Whole images end to end (--drafts, instead of the per-step run), as `deadiff generate` makes them
// (conditioning, sampler steps, decode, PNG with metadata): the few-step drafts of issue 22 (DDIM
// 50 / DPM++ 20 / LCM 4 at CFG 1, each with the VAE and with TAESD) and issue 27's 20-step DPM++
// image with guidance. A full-size TAESD decoder with random weights stands in for
// taesd_decoder.safetensors (timing only: its images are noise), in a temporary models folder.
void benchDrafts(const std::string& model, const std::string& dtype, int px,
                 const std::string& style) {
    namespace fs = std::filesystem;
    const fs::path home =
        fs::temp_directory_path() / ("deadiff-bench-" + std::to_string(::getpid()));
    fs::create_directories(home / "deadiff/models/taesd");
    {
        torch::manual_seed(0);
        deadiff::nn::TaesdDecoder taesd;
        std::vector<std::pair<std::string, torch::Tensor>> tensors;
        for (const auto& item : taesd->named_parameters())
            tensors.emplace_back(item.key(), item.value().detach());
        deadiff::io::writeSafetensors(
            (home / "deadiff/models/taesd/taesd_decoder.safetensors").string(), tensors);
    }
    ::setenv("XDG_DATA_HOME", home.c_str(), 1);
    auto pipeline = deadiff::Pipeline::load({model, parsedChoice<deadiff::ComputeDtype>(dtype)});
    std::printf("\nWhole images end to end (%s, %d px, %s, seed 1): conditioning + steps + decode "
                "+ PNG\n",
                model.c_str(), px, dtype.c_str());
    std::printf("%-10s %5s %5s %-8s %9s %9s %9s %7s %9s\n", "sampler", "steps", "cfg", "decoder",
                "total s", "steps s", "s/step", "PNG s", "other s");
    struct Case {
        const char* sampler;
        int steps;
        double cfg; // 0: the request's default (guidance)
    };
    for (const Case& run : {Case{"lcm", 4, 1.0}, Case{"dpmpp-2m", 20, 1.0}, Case{"ddim", 50, 1.0},
                            Case{"dpmpp-2m", 20, 0.0}}) {
        for (const deadiff::DecoderKind decoder :
             {deadiff::DecoderKind::Vae, deadiff::DecoderKind::Taesd}) {
            if (run.cfg == 0.0 && decoder == deadiff::DecoderKind::Taesd)
                continue; // issue 27's target is with the VAE
            deadiff::GenerationRequest request = benchRequest(px, style, run.sampler, run.steps);
            if (run.cfg != 0.0)
                request.cfg = run.cfg;
            request.decoder = decoder;
            StepTimer timer;
            const auto start = Clock::now();
            const deadiff::GenerationResult result = pipeline->generate(request, &timer);
            const auto pngStart = Clock::now();
            deadiff::io::writePng((home / "draft.png").string(), result.images.front(),
                                  deadiff::resultMetadata(result.request));
            const auto end = Clock::now();
            const double total = std::chrono::duration<double>(end - start).count();
            const double png = std::chrono::duration<double>(end - pngStart).count();
            double steps = 0;
            for (const double seconds : timer.seconds)
                steps += seconds;
            std::printf("%-10s %5d %5.1f %-8s %9.2f %9.2f %9.3f %7.2f %9.2f\n", run.sampler,
                        run.steps, request.cfg,
                        decoder == deadiff::DecoderKind::Vae ? "vae" : "taesd", total, steps,
                        steps / run.steps, png, total - steps - png);
            std::fflush(stdout);
        }
    }
    std::error_code ignored;
    fs::remove_all(home, ignored);
}

// Peak memory of one UNet call (batch 2, as under guidance) or one VAE decode (batch 1, whole
// or tiled) at the real sizes with random weights, over the RSS before it: what
// core/runtime/memory_budget's coefficients come from (docs/reliability.md). The first call of
// the process is measured, before any allocator reuse; run one case per process.
void measureMemory(const std::string& network, int px, const std::string& dtypeName) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(0);
    const auto dtype = scalarType(dtypeName);
    const std::int64_t cells = static_cast<std::int64_t>(px / 8) * (px / 8);
    double peak = 0;
    double perElement = 0;
    if (network == "unet") {
        const deadiff::nn::UNetConfig config;
        deadiff::nn::UNetModel unet{config};
        unet->eval();
        unet->to(dtype);
        const auto x = torch::randn({2, 4, px / 8, px / 8});
        const auto t = torch::full({2}, 500, torch::kInt64);
        const deadiff::nn::UNetContext context =
            unet->projectContext({torch::randn({2, 16, 768}), torch::randn({2, 77, 768}),
                                  torch::zeros({2, 16, 768}), torch::randn({2, 77, 768}), 1.0});
        const double before = procStatusGiB("VmRSS");
        resetPeakRss();
        unet->forward(x, t, context);
        peak = procStatusGiB("VmHWM") - before;
        // In model_channels-wide tensors per latent cell and row, beside the skip connections.
        double skips = 0, area = 1;
        for (const std::int64_t mult : config.channelMult) {
            skips +=
                static_cast<double>((config.numResBlocks + 1) * config.modelChannels * mult) * area;
            area /= 4;
        }
        const double elements = peak * (1 << 30) / (dtype == torch::kFloat ? 4.0 : 2.0);
        perElement = (elements / (2.0 * static_cast<double>(cells)) - skips) /
                     static_cast<double>(config.modelChannels);
    } else if (network == "vae" || network == "vae-tiled") {
        const deadiff::nn::VaeConfig config;
        deadiff::nn::AutoencoderKL vae{config};
        vae->eval();
        vae->to(dtype);
        if (network == "vae")
            vae->tiling.maxUntiledSide = std::numeric_limits<std::int64_t>::max();
        const auto z = torch::randn({1, 4, px / 8, px / 8});
        const double before = procStatusGiB("VmRSS");
        resetPeakRss();
        const auto started = Clock::now();
        vae->decode(z);
        peak = procStatusGiB("VmHWM") - before;
        // The first decode of the process (no warm-up: the memory is what is measured); the
        // time is printed beside it, as the VAE's share of an image.
        std::printf("%s %d px %s: decode %.2f s\n", network.c_str(), px, dtypeName.c_str(),
                    std::chrono::duration<double>(Clock::now() - started).count());
        // In tensors as wide as the decoder's second level, per pixel (untiled).
        const double elements = peak * (1 << 30) / (dtype == torch::kFloat ? 4.0 : 2.0);
        perElement = elements / (static_cast<double>(px) * px) /
                     static_cast<double>(config.ch * config.chMult[1]);
    } else {
        throw std::runtime_error("--memory takes unet, vae or vae-tiled, got '" + network + "'");
    }
    std::printf("%s %d px %s: peak %.3f GiB over the weights (%.2f widths per element)\n",
                network.c_str(), px, dtypeName.c_str(), peak, perElement);
}

} // namespace

int main(int argc, char** argv) {
    deadiff::cli::Args args("deadiff-bench [options]",
                            "Times the UNet (and optionally the whole pipeline) on this machine.");
    args.option("--sizes", "LIST", "image sizes in px", "256,512")
        .option("--dtypes", "LIST", "float32,bfloat16", "float32,bfloat16")
        .option("--runs", "N", "timed runs per case", "3")
        .option("--model", "CKPT", "also time the whole pipeline with this checkpoint")
        .option("--style", "IMAGE", "style reference for the pipeline run")
        .option("--steps", "N", "sampler steps for the pipeline run", "4")
        .option("--sampler", "NAME", "sampler of the pipeline run", "ddim")
        .option("--memory", "NET",
                "peak memory of one unet call or vae / vae-tiled decode (first of --sizes and "
                "--dtypes; one case per process)")
        .flag("--skip-unet", "only the pipeline (and the GEMM rates)")
        .flag("--attention-only", "only the self-attention (and the GEMM rates)")
        .flag("--profile", "per-op profile of one UNet call (first of --sizes and --dtypes)")
        .flag("--profile-vae", "per-op profile of one VAE decode (first of --sizes and --dtypes)")
        .flag("--compare-samplers",
              "with --model: image distance of DPM++ 2M / Euler a / DDIM at 20 steps to DDIM-50 "
              "(first of --sizes and --dtypes)")
        .flag("--compare-cache",
              "with --model: --cache-interval 2/3/5 against the uncached image (--sampler, "
              "--steps; first of --sizes and --dtypes)")
        .flag("--first-preview",
              "with --model: seconds from Generate to the first live preview and to the end of "
              "step 2 (first of --sizes and --dtypes; --sampler, --steps)")
        .flag("--targets",
              "with --model and --style: issue 27's targets in one run (UNet 512 px bf16, load, "
              "a 20-step DPM++ image with guidance, its steps and peak memory)")
        .flag("--drafts",
              "with --model: whole images end to end, DDIM 50 / DPM++ 20 / LCM 4 at CFG 1 with the "
              "VAE and with TAESD, and DPM++ 20 with guidance (first of --sizes and --dtypes)");
    try {
        args.parse({argv + 1, argv + argc});
    } catch (const deadiff::cli::UsageError& error) {
        std::cerr << "deadiff-bench: " << error.what() << "\n";
        return 2;
    }
    if (args.helpRequested()) {
        std::cout << args.help();
        return 0;
    }
    deadiff::configureKernels();
    deadiff::configureThreads();
    deadiff::configureAllocator();
    if (args.has("--memory")) { // first, before anything else allocates
        measureMemory(args.value("--memory"), std::stoi(splitList(args.value("--sizes")).front()),
                      splitList(args.value("--dtypes")).front());
        return 0;
    }
    const auto info = deadiff::runtimeInfo();
    std::cout << deadiff::describeRuntime(info);
    const std::map<std::string, double> gemm{{"float32", gemmGflops(torch::kFloat)},
                                             {"bfloat16", gemmGflops(torch::kBFloat16)}};
    std::printf("GEMM 2048^3: float32 %.0f GFLOP/s, bfloat16 %.0f GFLOP/s\n", gemm.at("float32"),
                gemm.at("bfloat16"));
    const auto sizes = splitList(args.value("--sizes"));
    const auto dtypes = splitList(args.value("--dtypes"));
    for (const std::string& dtype : dtypes)
        if (!gemm.count(dtype)) {
            std::cerr << "deadiff-bench: --dtypes takes float32 and/or bfloat16, got '" << dtype
                      << "'\n";
            return 2;
        }
    const int runs = static_cast<int>(args.integer("--runs"));
    if (args.has("--profile")) {
        profileUNet(std::stoi(sizes.front()), dtypes.front());
        return 0;
    }
    if (args.has("--profile-vae")) {
        profileVaeDecode(std::stoi(sizes.front()), dtypes.front());
        return 0;
    }
    if (args.has("--targets")) {
        if (!args.has("--model") || !args.has("--style")) {
            std::cerr << "deadiff-bench: --targets needs --model and --style\n";
            return 2;
        }
        const TargetRun run = benchTargetImage(args.value("--model"), args.value("--style"));
        deadiff::releaseFreeMemory();
        const auto unet = benchUNet({"512"}, {"bfloat16"}, runs, gemm);
        printTargets(run, unet.at("512 bfloat16"), gemm.at("bfloat16"));
        printFirstTouchRates();
        return 0;
    }
    if (!args.has("--skip-unet")) {
        benchAttention(sizes, dtypes, runs);
        if (!args.has("--attention-only"))
            benchUNet(sizes, dtypes, runs, gemm);
    }
    if (args.has("--model") && args.has("--compare-cache"))
        compareCacheIntervals(args.value("--model"), dtypes.front(), std::stoi(sizes.front()),
                              args.value("--style"), args.value("--sampler"),
                              static_cast<int>(args.integer("--steps")));
    if (args.has("--model") && args.has("--first-preview")) {
        benchFirstPreview(args.value("--model"), dtypes.front(), std::stoi(sizes.front()),
                          args.value("--style"), args.value("--sampler"),
                          static_cast<int>(args.integer("--steps")));
        return 0;
    }
    if (args.has("--model") && !args.has("--drafts") && !args.has("--compare-cache")) {
        benchPipeline(args.value("--model"), sizes, dtypes,
                      static_cast<int>(args.integer("--steps")), args.value("--style"),
                      args.value("--sampler"));
        printFirstTouchRates();
    }
    if (args.has("--model") && args.has("--drafts"))
        benchDrafts(args.value("--model"), dtypes.front(), std::stoi(sizes.front()),
                    args.value("--style"));
    if (args.has("--model") && args.has("--compare-samplers"))
        compareSamplers(args.value("--model"), dtypes.front(), std::stoi(sizes.front()),
                        args.value("--style"));
    return 0;
}
