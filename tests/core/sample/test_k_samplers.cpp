// k-diffusion samplers (DPM++ 2M Karras, Euler ancestral) and their sigma schedules, against
// hand-computed values, the exact probability-flow ODE solution of Gaussian data, and a float64
// Python transcription of k-diffusion (tests/fixtures/sample/k_sampler_reference.py).
#include "core/sample/dpmpp_2m.h"
#include "core/sample/euler_ancestral.h"
#include "core/sample/schedule.h"
#include "core/sample/sigmas.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace deadiff::sample {
namespace {

torch::Tensor doubles(std::vector<double> values) {
    return torch::tensor(values, torch::kDouble);
}

// Data x0 ~ N(mu, s²) per element: D(x, σ) = mu + s²/(s² + σ²)·(x − mu) exactly.
struct GaussianData {
    torch::Tensor mu = doubles({0.5, -1.0, 0.0, 2.0, -0.25, 1.5});
    torch::Tensor s = doubles({0.1, 0.5, 1.0, 0.3, 2.0, 0.05});
    SigmaDenoiseFn denoiser() const {
        return [mu = mu, s = s](const torch::Tensor& x, double sigma, std::int64_t) {
            return mu + s * s / (s * s + sigma * sigma) * (x - mu);
        };
    }
};

const torch::Tensor& testNoise() {
    static const torch::Tensor noise = doubles({1.2, -0.7, 0.3, 2.1, -1.5, 0.05});
    return noise;
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

TEST(Sigmas, KarrasFollowsEquation5AndEndsAtZero) {
    const std::vector<double> sigmas = karrasSigmas(6, 0.0292, 14.6146);
    ASSERT_EQ(sigmas.size(), 7u);
    EXPECT_NEAR(sigmas.front(), 14.6146, 1e-12);
    EXPECT_NEAR(sigmas[5], 0.0292, 1e-12);
    EXPECT_EQ(sigmas.back(), 0.0);
    // i = 2 of 5 by hand: (14.6146^(1/7) + 0.4·(0.0292^(1/7) − 14.6146^(1/7)))^7.
    const double a = std::pow(14.6146, 1.0 / 7), b = std::pow(0.0292, 1.0 / 7);
    EXPECT_NEAR(sigmas[2], std::pow(a + 0.4 * (b - a), 7), 1e-12);
    EXPECT_NEAR(sigmas[2], 2.2326903992392197, 1e-12); // Python reference
    EXPECT_THROW(karrasSigmas(0, 0.1, 1), std::runtime_error);
    EXPECT_THROW(karrasSigmas(5, 1, 0.1), std::runtime_error);
}

TEST(Sigmas, DiscreteUniformAndTimestepMappingAgreeWithTheSchedule) {
    const std::vector<double> discrete = discreteSigmas(scaledLinearAlphasCumprod());
    ASSERT_EQ(discrete.size(), 1000u);
    EXPECT_NEAR(discrete.front(), 0.0292, 1e-4); // k-diffusion's SD 1.5 range
    EXPECT_NEAR(discrete.back(), 14.6146, 1e-3);
    // linspace(999, 0, 4) = 999, 666, 333, 0: integer timesteps give the discrete levels.
    const std::vector<double> uniform = uniformSigmas(4, discrete);
    ASSERT_EQ(uniform.size(), 5u);
    EXPECT_DOUBLE_EQ(uniform[0], discrete[999]);
    EXPECT_NEAR(uniform[1], discrete[666], 1e-12);
    EXPECT_NEAR(uniform[2], discrete[333], 1e-12);
    EXPECT_NEAR(uniform[3], discrete[0], 1e-12);
    EXPECT_EQ(uniform[4], 0.0);
    // Levels map to their own timestep; halfway in log σ rounds to the nearer one; outside clamps.
    EXPECT_EQ(sigmaToTimestep(discrete[500], discrete), 500);
    EXPECT_EQ(sigmaToTimestep(std::sqrt(discrete[500] * discrete[501] * 1.0001), discrete), 501);
    EXPECT_EQ(sigmaToTimestep(std::sqrt(discrete[500] * discrete[501] * 0.9999), discrete), 500);
    EXPECT_EQ(sigmaToTimestep(1e-6, discrete), 0);
    EXPECT_EQ(sigmaToTimestep(100.0, discrete), 999);
}

TEST(Sigmas, EpsDenoiserScalesTheInputAndPredictsX0) {
    const std::vector<double> discrete = discreteSigmas(scaledLinearAlphasCumprod());
    std::vector<std::int64_t> seenT;
    torch::Tensor seenX;
    const Denoiser eps = [&](const torch::Tensor& x, std::int64_t t, std::int64_t) {
        seenT.push_back(t);
        seenX = x;
        return torch::full_like(x, 0.5);
    };
    const SigmaDenoiseFn denoiser = epsDenoiser(eps, discrete);
    const double sigma = discrete[700];
    const torch::Tensor x = doubles({1.0, -2.0});
    const torch::Tensor d = denoiser(x, sigma, 0);
    ASSERT_EQ(seenT, (std::vector<std::int64_t>{700}));
    // c_in = 1/√(σ² + 1); D = x − σ·ε.
    EXPECT_LT(maxDiff(seenX, x / std::sqrt(sigma * sigma + 1)), 1e-12);
    EXPECT_LT(maxDiff(d, x - 0.5 * sigma), 1e-12);
}

TEST(DpmSolver, MatchesAKDiffusionTranscription) {
    const std::vector<double> sigmas = karrasSigmas(6, 0.0292, 14.6146);
    const torch::Tensor x = sampleDpmpp2m(testNoise(), sigmas, GaussianData{}.denoiser());
    const torch::Tensor expected =
        doubles({0.5957723915348877, -1.3286018468440073, 0.3261188007423373, 2.5833909130331354,
                 -3.5012302799394277, 1.4981659487864076});
    EXPECT_LT(maxDiff(x, expected), 1e-10);
}

TEST(DpmSolver, IsExactForAConstantDenoiserAndSecondOrderOnGaussianData) {
    const GaussianData data;
    // A point mass: the solver lands on it after any number of steps.
    const torch::Tensor point = doubles({0.3, -0.2, 1.0, 0.0, 2.0, -1.0});
    const auto constant = [&](const torch::Tensor&, double, std::int64_t) { return point; };
    EXPECT_LT(maxDiff(sampleDpmpp2m(testNoise(), karrasSigmas(3, 0.03, 14.6), constant), point),
              1e-12);
    // Gaussian data: the ODE carries x_T = n·σmax to mu + (x_T − mu)·s/√(s² + σmax²) at σ = 0,
    // from the last positive σ on (the final step jumps to D(x, σmin)).
    const auto error = [&](std::int64_t steps) {
        const std::vector<double> sigmas = karrasSigmas(steps, 0.0292, 14.6146);
        const torch::Tensor xT = testNoise() * sigmas[0];
        const double last = sigmas[sigmas.size() - 2];
        const torch::Tensor atLast =
            data.mu + (xT - data.mu) * torch::sqrt(data.s * data.s + last * last) /
                          torch::sqrt(data.s * data.s + sigmas[0] * sigmas[0]);
        const torch::Tensor exact = data.denoiser()(atLast, last, 0);
        return maxDiff(sampleDpmpp2m(testNoise(), sigmas, data.denoiser()), exact);
    };
    const double e20 = error(20), e40 = error(40);
    EXPECT_LT(e20, 0.05);
    EXPECT_LT(e40, e20 / 3.0); // about 4× for second order
}

TEST(DpmSolver, ReportsEveryStepAndStopsWhenAsked) {
    const std::vector<double> sigmas = karrasSigmas(5, 0.0292, 14.6146);
    std::vector<StepInfo> seen;
    const torch::Tensor x =
        sampleDpmpp2m(testNoise(), sigmas, GaussianData{}.denoiser(), [&](const StepInfo& info) {
            seen.push_back(info);
            return info.step < 2;
        });
    ASSERT_EQ(seen.size(), 3u);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].step, static_cast<std::int64_t>(i));
        EXPECT_EQ(seen[i].total, 5);
        EXPECT_DOUBLE_EQ(seen[i].sigma, sigmas[i]);
        EXPECT_DOUBLE_EQ(seen[i].sigmaNext, sigmas[i + 1]);
    }
    EXPECT_TRUE(torch::equal(x, seen.back().x));
    // The first step's denoised is D(n·σ0, σ0).
    EXPECT_LT(maxDiff(seen[0].predictedX0,
                      GaussianData{}.denoiser()(testNoise() * sigmas[0], sigmas[0], 0)),
              1e-12);
    EXPECT_THROW(sampleDpmpp2m(testNoise(), {1.0, 0.5}, GaussianData{}.denoiser()),
                 std::runtime_error); // does not end at 0
}

TEST(EulerAncestral, StepSplitsTheNextNoiseLevel) {
    const AncestralStep step = ancestralStep(2.0, 1.0);
    // σ_up = √(1·(4 − 1)/4) = √0.75, σ_down = √(1 − 0.75) = 0.5.
    EXPECT_NEAR(step.up, std::sqrt(0.75), 1e-12);
    EXPECT_NEAR(step.down, 0.5, 1e-12);
    EXPECT_NEAR(step.down * step.down + step.up * step.up, 1.0, 1e-12);
    const AncestralStep last = ancestralStep(0.5, 0.0);
    EXPECT_EQ(last.up, 0.0);
    EXPECT_EQ(last.down, 0.0);
    const AncestralStep deterministic = ancestralStep(2.0, 1.0, 0.0);
    EXPECT_EQ(deterministic.down, 1.0);
    EXPECT_EQ(deterministic.up, 0.0);
}

TEST(EulerAncestral, MatchesAKDiffusionTranscriptionWithTheSameSeededNoise) {
    const std::vector<double> sigmas = karrasSigmas(6, 0.0292, 14.6146);
    const torch::Tensor x = sampleEulerAncestral(testNoise(), sigmas, GaussianData{}.denoiser(),
                                                 at::detail::createCPUGenerator(7));
    const torch::Tensor expected =
        doubles({0.6387304016632783, -0.5345462793292604, 1.1641483319504948, 1.9435952511274877,
                 1.9631060629181292, 1.5323767673957207});
    EXPECT_LT(maxDiff(x, expected), 1e-10);
}

TEST(EulerAncestral, IsDeterministicPerSeedAndDiffersAcrossSeeds) {
    const std::vector<double> sigmas = karrasSigmas(4, 0.0292, 14.6146);
    const auto run = [&](std::uint64_t seed) {
        return sampleEulerAncestral(testNoise(), sigmas, GaussianData{}.denoiser(),
                                    at::detail::createCPUGenerator(seed));
    };
    EXPECT_TRUE(torch::equal(run(3), run(3)));
    EXPECT_GT(maxDiff(run(3), run(4)), 1e-3);
}

} // namespace
} // namespace deadiff::sample
