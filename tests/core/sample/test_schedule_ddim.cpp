// Noise schedule and the LDM DDIM sampler: timestep spacing, step counts and updates against
// the spec and hand computation.
#include "core/sample/ddim.h"
#include "core/sample/schedule.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace deadiff::sample {
namespace {

TEST(Schedule, MatchesPublishedSd15Values) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    ASSERT_EQ(alphas.sizes(), (std::vector<std::int64_t>{1000}));
    EXPECT_EQ(alphas.scalar_type(), torch::kFloat);
    // ᾱ[0] = 1 − 0.00085; k-diffusion's SD sigma range 0.0292 .. 14.6146, σ = √((1−ᾱ)/ᾱ).
    EXPECT_NEAR(alphas[0].item<double>(), 0.99915, 1e-7);
    const auto sigma = [&](int t) {
        const double a = alphas[t].item<double>();
        return std::sqrt((1 - a) / a);
    };
    EXPECT_NEAR(sigma(999), 14.6146, 1e-3);
    EXPECT_NEAR(sigma(0), 0.0292, 1e-4);
    EXPECT_TRUE((alphas.slice(0, 1) < alphas.slice(0, 0, 999)).all().item<bool>());
}

TEST(Schedule, PrefersTheCheckpointBufferAndValidatesIt) {
    const torch::Tensor stored = scaledLinearAlphasCumprod() * 0.5;
    EXPECT_TRUE(torch::equal(alphasCumprodOrDefault(stored), stored));
    EXPECT_TRUE(torch::equal(alphasCumprodOrDefault(torch::Tensor()), scaledLinearAlphasCumprod()));
    EXPECT_THROW(alphasCumprodOrDefault(torch::ones({10})), std::runtime_error);
    EXPECT_THROW(alphasCumprodOrDefault(torch::zeros({1000})), std::runtime_error);
}

TEST(Schedule, RescaledTerminalSignalKeepsTheFirstStepAndMovesRootAlphaBarLinearly) {
    const torch::Tensor sd = sample::scaledLinearAlphasCumprod().to(torch::kDouble);
    const torch::Tensor moved = sample::rescaleTerminalSignal(sd, 0.005).to(torch::kDouble);
    ASSERT_EQ(moved.size(0), 1000);
    const double first = std::sqrt(sd[0].item<double>()), last = std::sqrt(sd[999].item<double>());
    EXPECT_NEAR(last, 0.0683, 1e-3); // SD's end, for the record
    EXPECT_NEAR(std::sqrt(moved[0].item<double>()), first, 1e-6);
    EXPECT_NEAR(std::sqrt(moved[999].item<double>()), 0.005, 1e-6);
    // By hand at t = 500: (√ᾱ − last)·(first − 0.005)/(first − last) + 0.005.
    const double root500 = std::sqrt(sd[500].item<double>());
    EXPECT_NEAR(std::sqrt(moved[500].item<double>()),
                (root500 - last) * (first - 0.005) / (first - last) + 0.005, 1e-6);
    EXPECT_TRUE((moved.slice(0, 1) < moved.slice(0, 0, 999)).all().item<bool>());
    EXPECT_THROW(sample::rescaleTerminalSignal(sd, 0.0), std::runtime_error);
    EXPECT_THROW(sample::rescaleTerminalSignal(sd, 1.5), std::runtime_error);
}

TEST(Ddim, FiftyStepsVisit981DownTo1) {
    const DdimSampler sampler(scaledLinearAlphasCumprod(), 50);
    const std::vector<std::int64_t> order = sampler.runTimesteps();
    ASSERT_EQ(order.size(), 50u);
    EXPECT_EQ(order.front(), 981);
    EXPECT_EQ(order[1], 961);
    EXPECT_EQ(order.back(), 1);
}

TEST(Ddim, StepsActuallyRunAreCeilOf1000OverStride) {
    // Spec §6: S=30 runs 31, S=45 runs 46, S=36 and 37 run 38, S=48 runs 50.
    const std::vector<std::pair<std::int64_t, std::int64_t>> cases = {
        {50, 50}, {30, 31}, {45, 46}, {36, 38}, {37, 38}, {48, 50}, {4, 4}, {1, 1}, {500, 500}};
    for (const auto& [requested, run] : cases) {
        EXPECT_EQ(DdimSampler(scaledLinearAlphasCumprod(), requested).stepCount(), run)
            << "S=" << requested;
    }
    EXPECT_EQ(ddimTimesteps(30).back(), 991);
    // Stride 27 divides 999: the shifted grid would end at 1000 (IndexError in the official
    // code); the last visited timestep is clamped to 999.
    EXPECT_EQ(ddimTimesteps(36).back(), 999);
    EXPECT_EQ(ddimTimesteps(36)[36], 973);
    EXPECT_THROW(DdimSampler(scaledLinearAlphasCumprod(), 0), std::runtime_error);
    EXPECT_THROW(DdimSampler(scaledLinearAlphasCumprod(), 501), std::runtime_error);
}

TEST(Ddim, StepConstantsUseShiftedTimestepsAndAlphaZeroLast) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const DdimSampler sampler(alphas, 50);
    const auto first = sampler.constants(0);
    EXPECT_EQ(first.alpha, alphas[981].item<float>());
    EXPECT_EQ(first.alphaPrev, alphas[961].item<float>());
    EXPECT_EQ(first.sigma, 0.0f);
    const auto last = sampler.constants(49);
    EXPECT_EQ(last.alpha, alphas[1].item<float>());
    EXPECT_EQ(last.alphaPrev, alphas[0].item<float>()); // ᾱ[0], not 1
    EXPECT_THROW(sampler.constants(50), std::runtime_error);
}

TEST(Ddim, OneStepMatchesTheFormulaByHand) {
    torch::manual_seed(0);
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const DdimSampler sampler(alphas, 50);
    const torch::Tensor x = torch::randn({1, 4, 3, 5});
    const torch::Tensor eps = torch::randn({1, 4, 3, 5});
    for (const std::int64_t index : {0, 25, 49}) {
        const std::int64_t t = sampler.runTimesteps()[static_cast<std::size_t>(index)];
        const double aT = alphas[t].item<double>();
        const double aPrev = index == 49 ? alphas[0].item<double>() : alphas[t - 20].item<double>();
        const torch::Tensor xd = x.to(torch::kDouble);
        const torch::Tensor ed = eps.to(torch::kDouble);
        const torch::Tensor x0 = (xd - std::sqrt(1 - aT) * ed) / std::sqrt(aT);
        const torch::Tensor next = std::sqrt(aPrev) * x0 + std::sqrt(1 - aPrev) * ed;
        const auto result = sampler.step(index, x, eps);
        EXPECT_TRUE(torch::allclose(result.predictedX0.to(torch::kDouble), x0, 1e-5, 1e-5))
            << index;
        EXPECT_TRUE(torch::allclose(result.x.to(torch::kDouble), next, 1e-5, 1e-5)) << index;
    }
}

TEST(Ddim, EtaAddsSeededNoiseWithTheSigmaFormula) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const DdimSampler sampler(alphas, 10, 1.0);
    const auto c = sampler.constants(0); // t = 901, prev 801
    const double at = alphas[901].item<double>(), ap = alphas[801].item<double>();
    EXPECT_NEAR(c.sigma, std::sqrt((1 - ap) / (1 - at) * (1 - at / ap)), 1e-6);
    const torch::Tensor x = torch::ones({1, 4, 2, 2});
    const torch::Tensor eps = torch::zeros({1, 4, 2, 2});
    auto g1 = at::detail::createCPUGenerator(5);
    auto g2 = at::detail::createCPUGenerator(5);
    auto g3 = at::detail::createCPUGenerator(6);
    const auto a = sampler.step(0, x, eps, g1);
    const auto b = sampler.step(0, x, eps, g2);
    const auto d = sampler.step(0, x, eps, g3);
    EXPECT_TRUE(torch::equal(a.x, b.x));
    EXPECT_FALSE(torch::equal(a.x, d.x));
    const torch::Tensor deterministic = DdimSampler(alphas, 10).step(0, x, eps).x;
    EXPECT_FALSE(torch::allclose(a.x, deterministic));
}

TEST(Ddim, SampleRunsEveryStepInOrderAndCanBeCancelled) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const DdimSampler sampler(alphas, 50);
    const torch::Tensor xT = torch::ones({1, 4, 2, 2});
    std::vector<std::int64_t> seen;
    std::vector<std::int64_t> callbackSteps;
    const torch::Tensor result = sampler.sample(
        xT,
        [&](const torch::Tensor& x, std::int64_t t, std::int64_t) {
            seen.push_back(t);
            return torch::zeros_like(x);
        },
        [&](const StepInfo& info) {
            callbackSteps.push_back(info.step);
            EXPECT_EQ(info.total, 50);
            EXPECT_TRUE(info.predictedX0.defined());
            return true;
        });
    EXPECT_EQ(seen, sampler.runTimesteps());
    EXPECT_EQ(callbackSteps.size(), 50u);
    // With ε = 0 each step multiplies by √(a_prev/a_t): the product telescopes.
    const double expected = std::sqrt(alphas[0].item<double>() / alphas[981].item<double>());
    EXPECT_NEAR(result[0][0][0][0].item<double>(), expected, 1e-4 * expected);

    int calls = 0;
    sampler.sample(
        xT,
        [&](const torch::Tensor& x, std::int64_t, std::int64_t) {
            ++calls;
            return torch::zeros_like(x);
        },
        [&](const StepInfo& info) { return info.step < 2; });
    EXPECT_EQ(calls, 3);
}

} // namespace
} // namespace deadiff::sample
