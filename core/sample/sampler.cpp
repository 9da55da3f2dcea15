#include "core/sample/sampler.h"

#include "core/sample/consistency.h"
#include "core/sample/ddim.h"
#include "core/sample/dpmpp_2m.h"
#include "core/sample/euler_ancestral.h"
#include "core/sample/sigmas.h"
#include "core/sample/timestep_spacing.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace deadiff::sample {

namespace {

// The k-diffusion samplers' noise levels for `settings` on this schedule.
std::vector<double> sigmaSchedule(const SamplerSettings& settings,
                                  const std::vector<double>& discrete) {
    switch (settings.kind) {
    case SamplerKind::DpmPp2m:
        return karrasSigmas(settings.steps, discrete.front(), discrete.back());
    case SamplerKind::EulerAncestral:
        return settings.spacing == TimestepSpacing::Trailing
                   ? trailingSigmas(settings.steps, discrete)
                   : uniformSigmas(settings.steps, discrete);
    case SamplerKind::Ddim:
    case SamplerKind::Lcm:
    case SamplerKind::Tcd:
        break;
    }
    throw std::logic_error("sigmaSchedule: not a sigma sampler");
}

double noiseLevel(const torch::Tensor& alphasCumprod, std::int64_t t) {
    const double alpha = alphasCumprod[t].item<double>();
    return std::sqrt((1 - alpha) / alpha);
}

// DDIM (η = 0) on the trailing grid, as diffusers' DDIMScheduler runs it.
torch::Tensor runTrailingDdim(const SamplerSettings& settings, const torch::Tensor& alphasCumprod,
                              const torch::Tensor& noise, const Denoiser& denoise,
                              const StepCallback& callback) {
    const std::int64_t trainTimesteps = alphasCumprod.size(0);
    const std::vector<std::int64_t> timesteps = trailingTimesteps(settings.steps, trainTimesteps);
    const auto total = static_cast<std::int64_t>(timesteps.size());
    torch::Tensor x = noise;
    for (std::int64_t i = 0; i < total; ++i) {
        const std::int64_t t = timesteps[static_cast<std::size_t>(i)];
        const std::int64_t previous = ddimPreviousTimestep(t, settings.steps, trainTimesteps);
        const DdimUpdate update = ddimUpdate(alphasCumprod, t, previous, x, denoise(x, t, i));
        x = update.x;
        const double sigmaNext = i + 1 < total ? noiseLevel(alphasCumprod, previous) : 0.0;
        if (callback && !callback({i, total, t, noiseLevel(alphasCumprod, t), sigmaNext, x,
                                   update.predictedX0}))
            break;
    }
    return x;
}

// LCM and TCD. diffusers' pipelines draw x_T and then each step's noise from one generator seeded
// with the seed; `noise` is x_T drawn the same way (the pipeline's seeded draw), so this
// generator skips that draw and a seed gives diffusers' noise sequence.
torch::Tensor runConsistency(const SamplerSettings& settings, const torch::Tensor& alphasCumprod,
                             const torch::Tensor& noise, const Denoiser& denoise,
                             const StepCallback& callback) {
    const bool lcm = settings.kind == SamplerKind::Lcm;
    const std::vector<std::int64_t> timesteps =
        consistencyTimesteps(settings.steps, kConsistencyOriginalSteps, 1.0, alphasCumprod.size(0));
    const auto total = static_cast<std::int64_t>(timesteps.size());
    torch::Generator generator = at::detail::createCPUGenerator(settings.seed);
    static_cast<void>(torch::randn(noise.sizes(), generator));
    torch::Tensor x = noise;
    for (std::int64_t i = 0; i < total; ++i) {
        const std::int64_t t = timesteps[static_cast<std::size_t>(i)];
        const bool last = i + 1 == total;
        const std::optional<std::int64_t> next =
            last ? std::nullopt
                 : std::optional<std::int64_t>(timesteps[static_cast<std::size_t>(i + 1)]);
        const torch::Tensor eps = denoise(x, t, i);
        const bool takesNoise =
            lcm ? lcmStepTakesNoise(last) : tcdStepTakesNoise(last, settings.tcdGamma);
        const torch::Tensor stepNoise =
            takesNoise ? torch::randn(x.sizes(), generator) : torch::Tensor();
        const ConsistencyStep result =
            lcm ? lcmStep(alphasCumprod, t, next, x, eps, stepNoise)
                : tcdStep(alphasCumprod, t, next, settings.tcdGamma, x, eps, stepNoise);
        x = result.x;
        const double sigmaNext = next ? noiseLevel(alphasCumprod, *next) : 0.0;
        if (callback && !callback({i, total, t, noiseLevel(alphasCumprod, t), sigmaNext, x,
                                   result.predictedX0}))
            break;
    }
    return x;
}

void checkSpacing(const SamplerSettings& settings) {
    if (settings.spacing == TimestepSpacing::Trailing && !takesTrailingSpacing(settings.kind))
        throw std::runtime_error(std::string("the ") + nameOf(settings.kind) +
                                 " sampler takes only the leading timestep spacing");
}

} // namespace

std::int64_t plannedSteps(const SamplerSettings& settings, const torch::Tensor& alphasCumprod) {
    if (settings.kind != SamplerKind::Ddim)
        return settings.steps;
    const std::int64_t trainTimesteps = alphasCumprod.size(0);
    return static_cast<std::int64_t>(settings.spacing == TimestepSpacing::Trailing
                                         ? trailingTimesteps(settings.steps, trainTimesteps).size()
                                         : ddimTimesteps(settings.steps, trainTimesteps).size());
}

torch::Tensor run(const SamplerSettings& settings, const torch::Tensor& alphasCumprod,
                  const torch::Tensor& noise, const Denoiser& denoise,
                  const StepCallback& callback) {
    if (!denoise)
        throw std::runtime_error("a sampler needs a denoiser");
    checkSpacing(settings);
    switch (settings.kind) {
    case SamplerKind::Ddim:
        if (settings.spacing == TimestepSpacing::Trailing)
            return runTrailingDdim(settings, alphasCumprod, noise, denoise, callback);
        return DdimSampler(alphasCumprod, settings.steps, 0.0).sample(noise, denoise, callback);
    case SamplerKind::Lcm:
    case SamplerKind::Tcd:
        return runConsistency(settings, alphasCumprod, noise, denoise, callback);
    case SamplerKind::DpmPp2m:
    case SamplerKind::EulerAncestral:
        break;
    }

    const std::vector<double> discrete = discreteSigmas(alphasCumprod);
    const SigmaDenoiseFn denoiser = epsDenoiser(denoise, discrete);
    const std::vector<double> sigmas = sigmaSchedule(settings, discrete);
    StepCallback named;
    if (callback) {
        named = [&](const StepInfo& info) {
            StepInfo withTimestep = info;
            withTimestep.timestep = sigmaToTimestep(info.sigma, discrete); // what the model saw
            return callback(withTimestep);
        };
    }
    switch (settings.kind) {
    case SamplerKind::DpmPp2m:
        return sampleDpmpp2m(noise, sigmas, denoiser, named);
    case SamplerKind::EulerAncestral:
        // Its per-step noise: a generator of its own seeded with the request's seed.
        return sampleEulerAncestral(noise, sigmas, denoiser,
                                    at::detail::createCPUGenerator(settings.seed), named);
    case SamplerKind::Ddim:
    case SamplerKind::Lcm:
    case SamplerKind::Tcd:
        break;
    }
    throw std::logic_error("sample::run: unknown sampler");
}

} // namespace deadiff::sample
