// Image-to-image and inpainting through the one sampler contract (sample::run), for every
// sampler: which steps run, what the first model call sees, and what the region to keep holds.
#include "core/sample/ddim.h"
#include "core/sample/sampler.h"
#include "core/sample/schedule.h"
#include "core/sample/sigmas.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace deadiff::sample {
namespace {

const std::vector<SamplerKind> kAllSamplers = {SamplerKind::Ddim, SamplerKind::DpmPp2m,
                                               SamplerKind::EulerAncestral};

struct Call {
    torch::Tensor x;
    std::int64_t t = 0;
    std::int64_t step = 0;
};

// A denoiser that records what it is asked and predicts noise of its own.
struct RecordingDenoiser {
    std::vector<Call> calls;
    Denoiser denoiser() {
        return [this](const torch::Tensor& x, std::int64_t t, std::int64_t step) {
            calls.push_back({x.clone(), t, step});
            return torch::sin(x * 3.0 + static_cast<double>(t) * 0.01);
        };
    }
};

torch::Tensor testNoise() {
    torch::manual_seed(5);
    return torch::randn({2, 4, 6, 6});
}

torch::Tensor testInit() {
    torch::manual_seed(6);
    return torch::randn({1, 4, 6, 6}) * 0.8;
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

// SamplerSettings with an init (or none) and every other field at its default.
SamplerSettings withInit(SamplerKind kind, std::int64_t steps, std::uint64_t seed,
                         std::optional<InitLatent> init) {
    SamplerSettings settings{kind, steps, seed};
    settings.init = std::move(init);
    return settings;
}

SamplerSettings settingsFor(SamplerKind kind, double strength, torch::Tensor repaint = {}) {
    return withInit(kind, 20, 3, InitLatent{testInit(), strength, repaint});
}

TEST(InitLatent, RunsTheLastStrengthShareOfThePlannedSteps) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    for (const SamplerKind kind : kAllSamplers) {
        SCOPED_TRACE(nameOf(kind));
        const SamplerSettings text = withInit(kind, 20, 3, std::nullopt);
        EXPECT_EQ(plannedSteps(text, alphas), 20);
        EXPECT_EQ(plannedSteps(settingsFor(kind, 0.3), alphas), 6);
        EXPECT_EQ(plannedSteps(settingsFor(kind, 1.0), alphas), 20);
        EXPECT_EQ(plannedSteps(settingsFor(kind, 0.0), alphas), 0);
        EXPECT_EQ(plannedSteps(settingsFor(kind, 0.74), alphas), 14); // floor
    }
    // DDIM runs ⌈1000/c⌉ steps (31 for 30 asked); the share is of those.
    const SamplerSettings ddim =
        withInit(SamplerKind::Ddim, 30, 0, InitLatent{testInit(), 0.5, {}});
    EXPECT_EQ(plannedSteps(ddim, alphas), 15);
}

TEST(InitLatent, StrengthZeroReturnsTheInitLatentWithoutAModelCall) {
    for (const SamplerKind kind : kAllSamplers) {
        SCOPED_TRACE(nameOf(kind));
        RecordingDenoiser model;
        const torch::Tensor out =
            run(settingsFor(kind, 0.0), scaledLinearAlphasCumprod(), testNoise(), model.denoiser());
        EXPECT_TRUE(model.calls.empty());
        ASSERT_EQ(out.sizes(), testNoise().sizes()); // one row per image of the batch
        EXPECT_TRUE(torch::equal(out[0], testInit()[0]));
        EXPECT_TRUE(torch::equal(out[1], testInit()[0]));
    }
}

TEST(InitLatent, FirstModelCallSeesTheInitNoisedToTheFirstStepThatRuns) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const torch::Tensor noise = testNoise();
    const torch::Tensor init = testInit();
    for (const SamplerKind kind : kAllSamplers) {
        SCOPED_TRACE(nameOf(kind));
        RecordingDenoiser model;
        std::vector<std::int64_t> reportedSteps;
        std::int64_t reportedTotal = 0;
        run(settingsFor(kind, 0.5), alphas, noise, model.denoiser(), [&](const StepInfo& info) {
            reportedSteps.push_back(info.step);
            reportedTotal = info.total;
            return true;
        });
        ASSERT_EQ(model.calls.size(), 10u);
        EXPECT_EQ(reportedTotal, 10);
        for (std::size_t i = 0; i < 10; ++i) {
            EXPECT_EQ(model.calls[i].step, static_cast<std::int64_t>(i));
            EXPECT_EQ(reportedSteps[i], static_cast<std::int64_t>(i));
        }
        const Call& first = model.calls.front();
        const double alpha = alphas[first.t].item<double>();
        torch::Tensor expectedInput;
        if (kind == SamplerKind::Ddim) {
            // The 11th of DDIM-20's timesteps 951, 901, ..., 1, at ᾱ of that timestep.
            EXPECT_EQ(first.t, DdimSampler(alphas, 20).runTimesteps()[10]);
            expectedInput = init * std::sqrt(alpha) + noise * std::sqrt(1.0 - alpha);
        } else {
            // x = init + σ·noise at the schedule's 11th level, scaled by 1/√(σ² + 1) for ε.
            const std::vector<double> discrete = discreteSigmas(alphas);
            const std::vector<double> sigmas =
                kind == SamplerKind::DpmPp2m ? karrasSigmas(20, discrete.front(), discrete.back())
                                             : uniformSigmas(20, discrete);
            const double sigma = sigmas[10];
            EXPECT_EQ(first.t, sigmaToTimestep(sigma, discrete));
            expectedInput = (init + noise * sigma) / std::sqrt(sigma * sigma + 1.0);
        }
        EXPECT_LT(maxDiff(first.x, expectedInput), 1e-5);
    }
}

TEST(InitLatent, AllKeepMaskReturnsTheInitLatentAfterEveryStep) {
    for (const SamplerKind kind : kAllSamplers) {
        SCOPED_TRACE(nameOf(kind));
        RecordingDenoiser model;
        const torch::Tensor out = run(settingsFor(kind, 0.8, torch::zeros({1, 1, 6, 6})),
                                      scaledLinearAlphasCumprod(), testNoise(), model.denoiser());
        EXPECT_EQ(model.calls.size(), 16u);
        EXPECT_TRUE(torch::equal(out, testInit().expand_as(out)));
    }
}

// Left half repainted, right half kept: the model always sees the kept half as the init noised
// to the step's level, the result keeps it exactly, and the repainted half is new.
TEST(InitLatent, MaskKeepsTheRegionToKeepAndRepaintsTheRest) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const torch::Tensor noise = testNoise();
    const torch::Tensor init = testInit();
    torch::Tensor repaint = torch::zeros({1, 1, 6, 6});
    repaint.narrow(3, 0, 3).fill_(1.0);
    const auto kept = [](const torch::Tensor& t) { return t.narrow(3, 3, 3); };
    const auto painted = [](const torch::Tensor& t) { return t.narrow(3, 0, 3); };
    for (const SamplerKind kind : kAllSamplers) {
        SCOPED_TRACE(nameOf(kind));
        RecordingDenoiser model;
        const torch::Tensor out =
            run(settingsFor(kind, 1.0, repaint), alphas, noise, model.denoiser());
        EXPECT_TRUE(torch::equal(kept(out), kept(init.expand_as(out))));
        EXPECT_GT(maxDiff(painted(out), painted(init.expand_as(out))), 0.1);
        ASSERT_EQ(model.calls.size(), 20u);
        if (kind == SamplerKind::Ddim) {
            for (const Call& call : model.calls) {
                const double alpha = alphas[call.t].item<double>();
                const torch::Tensor level =
                    init * std::sqrt(alpha) + noise * std::sqrt(1.0 - alpha);
                EXPECT_LT(maxDiff(kept(call.x), kept(level)), 1e-5) << "t " << call.t;
            }
        } else {
            // Through the ε scaling with a rounded timestep: close to the init at that level.
            const std::vector<double> discrete = discreteSigmas(alphas);
            for (const Call& call : model.calls) {
                const double alpha = alphas[call.t].item<double>();
                const torch::Tensor level =
                    init * std::sqrt(alpha) + noise * std::sqrt(1.0 - alpha);
                EXPECT_LT(maxDiff(kept(call.x), kept(level)), 0.05) << "t " << call.t;
            }
        }
    }
}

TEST(InitLatent, TextToImageIsUnchangedByTheInitMachinery) {
    // No init: the DDIM path is DdimSampler::sample from the noise itself.
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    RecordingDenoiser a, b;
    const torch::Tensor viaRun =
        run(withInit(SamplerKind::Ddim, 10, 0, std::nullopt), alphas, testNoise(), a.denoiser());
    const torch::Tensor direct = DdimSampler(alphas, 10).sample(testNoise(), b.denoiser());
    EXPECT_TRUE(torch::equal(viaRun, direct));
}

TEST(InitLatent, BadInitsAreRefused) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    RecordingDenoiser model;
    const SamplerSettings wrongShape =
        withInit(SamplerKind::Ddim, 10, 0, InitLatent{torch::zeros({1, 4, 5, 6}), 0.5, {}});
    EXPECT_THROW(run(wrongShape, alphas, testNoise(), model.denoiser()), std::runtime_error);
    const SamplerSettings wrongMask =
        withInit(SamplerKind::Ddim, 10, 0, InitLatent{testInit(), 0.5, torch::zeros({1, 4, 6, 6})});
    EXPECT_THROW(run(wrongMask, alphas, testNoise(), model.denoiser()), std::runtime_error);
    const SamplerSettings wrongStrength =
        withInit(SamplerKind::Ddim, 10, 0, InitLatent{testInit(), 1.5, {}});
    EXPECT_THROW(run(wrongStrength, alphas, testNoise(), model.denoiser()), std::runtime_error);
}

} // namespace
} // namespace deadiff::sample
