#include "core/sample/sampler.h"

#include "core/sample/ddim.h"
#include "core/sample/dpmpp_2m.h"
#include "core/sample/euler_ancestral.h"
#include "core/sample/sigmas.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

namespace deadiff::sample {

const char* a1111SamplerName(SamplerKind kind) {
    switch (kind) {
    case SamplerKind::Ddim:
        return "DDIM";
    case SamplerKind::DpmPp2m:
        return "DPM++ 2M Karras";
    case SamplerKind::EulerAncestral:
        return "Euler a";
    }
    return "";
}

namespace {

// The k-diffusion samplers' noise levels for `settings` on this schedule.
std::vector<double> sigmaSchedule(const SamplerSettings& settings,
                                  const std::vector<double>& discrete) {
    switch (settings.kind) {
    case SamplerKind::DpmPp2m:
        return karrasSigmas(settings.steps, discrete.front(), discrete.back());
    case SamplerKind::EulerAncestral:
        return uniformSigmas(settings.steps, discrete);
    case SamplerKind::Ddim:
        break;
    }
    throw std::logic_error("sigmaSchedule: not a sigma sampler");
}

} // namespace

std::int64_t plannedSteps(const SamplerSettings& settings, const torch::Tensor& alphasCumprod) {
    if (settings.kind == SamplerKind::Ddim)
        return static_cast<std::int64_t>(
            ddimTimesteps(settings.steps, alphasCumprod.size(0)).size());
    return settings.steps;
}

torch::Tensor run(const SamplerSettings& settings, const torch::Tensor& alphasCumprod,
                  const torch::Tensor& noise, const Denoiser& denoise,
                  const StepCallback& callback) {
    if (!denoise)
        throw std::runtime_error("a sampler needs a denoiser");
    if (settings.kind == SamplerKind::Ddim)
        return DdimSampler(alphasCumprod, settings.steps, 0.0).sample(noise, denoise, callback);

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
        break;
    }
    throw std::logic_error("sample::run: unknown sampler");
}

} // namespace deadiff::sample
