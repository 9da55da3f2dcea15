// deadiff-bench: what one UNet call and one sampler step cost on this machine. Not a test:
// numbers vary with the machine and its load, so it prints min and median of several runs next
// to the machine's measured GEMM rates, and never fails on speed.
//
//   deadiff-bench [--sizes 256,512] [--dtypes float32,bfloat16] [--runs 3]
//                 [--model CKPT --steps 4]     (also times the whole pipeline per step)
#include "app/cli/args.h"
#include "core/nn/unet.h"
#include "core/pipeline/pipeline.h"
#include "core/runtime/system_info.h"

#include <torch/torch.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace {

using Clock = std::chrono::steady_clock;

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

struct Stats {
    double min = 0, median = 0;
};

Stats statsOf(std::vector<double> seconds) {
    std::sort(seconds.begin(), seconds.end());
    return {seconds.front(), seconds[seconds.size() / 2]};
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

void benchUNet(const std::vector<std::string>& sizes, const std::vector<std::string>& dtypes,
               int runs) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(0);
    deadiff::nn::UNetModel unet{deadiff::nn::UNetConfig{}};
    unet->eval();
    std::printf("\nSD 1.5 DEADiff UNet, real size, random weights, batch 2 (guidance)\n");
    std::printf("%-6s %-9s %9s %9s %10s\n", "px", "dtype", "min s", "median s", "peak GiB");
    for (const std::string& dtypeName : dtypes) {
        const auto dtype = dtypeName == "bfloat16" ? torch::kBFloat16 : torch::kFloat;
        unet->to(dtype);
        for (const std::string& sizeText : sizes) {
            const int px = std::stoi(sizeText);
            const auto x = torch::randn({2, 4, px / 8, px / 8});
            const auto t = torch::full({2}, 500, torch::kInt64);
            deadiff::nn::UNetContext context{torch::randn({2, 16, 768}), torch::randn({2, 77, 768}),
                                             torch::zeros({2, 16, 768}), torch::randn({2, 77, 768}),
                                             1.0};
            unet->forward(x, t, context); // warm-up
            std::vector<double> seconds;
            for (int run = 0; run < runs; ++run) {
                const auto start = Clock::now();
                unet->forward(x, t, context);
                seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
            }
            const Stats stats = statsOf(seconds);
            std::printf("%-6d %-9s %9.3f %9.3f %10.2f\n", px, dtypeName.c_str(), stats.min,
                        stats.median, peakRssGiB());
            std::fflush(stdout);
        }
    }
}

class StepTimer : public deadiff::GenerationObserver {
public:
    void onStep(const deadiff::StepInfo& info) override { seconds.push_back(info.stepSeconds); }
    bool wantsPreviews() const override { return false; }
    std::vector<double> seconds;
};

void benchPipeline(const std::string& model, const std::vector<std::string>& sizes,
                   const std::vector<std::string>& dtypes, int steps, const std::string& style) {
    std::printf("\nWhole pipeline (%s), DDIM, guidance, per sampler step\n", model.c_str());
    std::printf("%-6s %-9s %9s %9s %10s\n", "px", "dtype", "min s", "median s", "peak GiB");
    for (const std::string& dtypeName : dtypes) {
        auto pipeline = deadiff::Pipeline::load(model, {dtypeName, {}});
        for (const std::string& sizeText : sizes) {
            deadiff::GenerationRequest request;
            request.prompt = "a castle on a hill";
            if (!style.empty())
                request.styles.push_back({style, std::nullopt});
            request.width = request.height = std::stoi(sizeText);
            request.steps = steps;
            request.seed = 1;
            StepTimer timer;
            pipeline->generate(request, &timer);
            const Stats stats = statsOf(timer.seconds);
            std::printf("%-6s %-9s %9.3f %9.3f %10.2f\n", sizeText.c_str(), dtypeName.c_str(),
                        stats.min, stats.median, peakRssGiB());
            std::fflush(stdout);
        }
    }
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
        .flag("--skip-unet", "only the pipeline");
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
    deadiff::configureThreads();
    const auto info = deadiff::runtimeInfo();
    std::cout << deadiff::describeRuntime(info);
    std::printf("GEMM 2048^3: float32 %.0f GFLOP/s, bfloat16 %.0f GFLOP/s\n",
                gemmGflops(torch::kFloat), gemmGflops(torch::kBFloat16));
    const auto sizes = splitList(args.value("--sizes"));
    const auto dtypes = splitList(args.value("--dtypes"));
    if (!args.has("--skip-unet"))
        benchUNet(sizes, dtypes, static_cast<int>(args.integer("--runs")));
    if (args.has("--model"))
        benchPipeline(args.value("--model"), sizes, dtypes, static_cast<int>(args.integer("--steps")),
                      args.value("--style"));
    return 0;
}
