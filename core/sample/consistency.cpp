#include "core/sample/consistency.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace deadiff::sample {
namespace {

// ᾱ_t as the 0-dim float32 tensor diffusers indexes, so every product rounds as its float32 does.
torch::Tensor alphaAt(const torch::Tensor& alphasCumprod, std::int64_t t) {
    if (alphasCumprod.dim() != 1 || t < 0 || t >= alphasCumprod.size(0))
        throw std::runtime_error("timestep " + std::to_string(t) +
                                 " is outside the noise schedule");
    return alphasCumprod[t].to(torch::kFloat);
}

torch::Tensor predictX0(const torch::Tensor& alphaT, const torch::Tensor& x,
                        const torch::Tensor& eps) {
    return (x - (1 - alphaT).sqrt() * eps) / alphaT.sqrt();
}

void requireNoise(const torch::Tensor& noise, const torch::Tensor& x, const char* sampler) {
    if (!noise.defined() || noise.sizes() != x.sizes())
        throw std::runtime_error(std::string(sampler) +
                                 " step needs noise of the latent's shape before the last step");
}

} // namespace

std::vector<std::int64_t> consistencyTimesteps(std::int64_t steps, std::int64_t originalSteps,
                                               double strength, std::int64_t trainTimesteps) {
    if (originalSteps < 1 || originalSteps > trainTimesteps)
        throw std::runtime_error("the distillation's step count must be between 1 and " +
                                 std::to_string(trainTimesteps));
    if (!(strength > 0.0 && strength <= 1.0))
        throw std::runtime_error("strength must lie in (0, 1]");
    const std::int64_t k = trainTimesteps / originalSteps;
    const auto available = static_cast<std::int64_t>(static_cast<double>(originalSteps) * strength);
    if (steps < 1 || steps > available)
        throw std::runtime_error("LCM/TCD steps must be between 1 and " +
                                 std::to_string(available) + " (the distilled schedule has " +
                                 std::to_string(available) + " timesteps), got " +
                                 std::to_string(steps));
    std::vector<std::int64_t> timesteps;
    for (std::int64_t j = 0; j < steps; ++j) {
        // numpy: floor(linspace(0, n, steps, endpoint=False)[j]) with linspace's j·(n/steps).
        const double position =
            static_cast<double>(j) * (static_cast<double>(available) / static_cast<double>(steps));
        const auto index = static_cast<std::int64_t>(std::floor(position));
        timesteps.push_back((available - index) * k - 1);
    }
    return timesteps;
}

BoundaryScalings lcmBoundaryScalings(std::int64_t timestep, double timestepScaling) {
    constexpr double sigmaData = 0.5;
    const double scaled = static_cast<double>(timestep) * timestepScaling;
    const double denominator = scaled * scaled + sigmaData * sigmaData;
    return {sigmaData * sigmaData / denominator, scaled / std::sqrt(denominator)};
}

ConsistencyStep lcmStep(const torch::Tensor& alphasCumprod, std::int64_t t,
                        std::optional<std::int64_t> next, const torch::Tensor& x,
                        const torch::Tensor& eps, const torch::Tensor& noise) {
    const torch::Tensor alphaT = alphaAt(alphasCumprod, t);
    const BoundaryScalings c = lcmBoundaryScalings(t);
    const torch::Tensor e = eps.to(x.scalar_type());
    const torch::Tensor denoised = c.out * predictX0(alphaT, x, e) + c.skip * x;
    ConsistencyStep result{denoised, denoised};
    if (next) {
        requireNoise(noise, x, "LCM");
        const torch::Tensor alphaNext = alphaAt(alphasCumprod, *next);
        result.x = alphaNext.sqrt() * denoised + (1 - alphaNext).sqrt() * noise.to(x.scalar_type());
    }
    return result;
}

ConsistencyStep tcdStep(const torch::Tensor& alphasCumprod, std::int64_t t,
                        std::optional<std::int64_t> next, double gamma, const torch::Tensor& x,
                        const torch::Tensor& eps, const torch::Tensor& noise) {
    if (!(gamma >= 0.0 && gamma <= 1.0))
        throw std::runtime_error("TCD gamma must lie in [0, 1]");
    const std::int64_t previous = next.value_or(0);
    // diffusers forms (1 − γ)·t_prev as a float32 tensor before flooring.
    const auto s = static_cast<std::int64_t>(
        std::floor(static_cast<float>(1.0 - gamma) * static_cast<float>(previous)));
    const torch::Tensor alphaT = alphaAt(alphasCumprod, t);
    const torch::Tensor alphaPrev = alphaAt(alphasCumprod, previous);
    const torch::Tensor alphaS = alphaAt(alphasCumprod, s);
    const torch::Tensor e = eps.to(x.scalar_type());
    const torch::Tensor x0 = predictX0(alphaT, x, e);
    const torch::Tensor noised = alphaS.sqrt() * x0 + (1 - alphaS).sqrt() * e;
    ConsistencyStep result{noised, x0};
    if (tcdStepTakesNoise(!next, gamma)) {
        requireNoise(noise, x, "TCD");
        const torch::Tensor ratio = alphaPrev / alphaS;
        result.x = ratio.sqrt() * noised + (1 - ratio).sqrt() * noise.to(x.scalar_type());
    }
    return result;
}

bool lcmStepTakesNoise(bool lastStep) {
    return !lastStep;
}

bool tcdStepTakesNoise(bool lastStep, double gamma) {
    return gamma > 0 && !lastStep;
}

} // namespace deadiff::sample
