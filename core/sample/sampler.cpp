#include "core/sample/sampler.h"

#include "core/sample/consistency.h"
#include "core/sample/ddim.h"
#include "core/sample/dpmpp_2m.h"
#include "core/sample/euler_ancestral.h"
#include "core/sample/sigmas.h"
#include "core/sample/timestep_spacing.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
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

// Steps of the full schedule for `settings`, before an init latent skips any.
std::int64_t scheduledSteps(const SamplerSettings& settings, const torch::Tensor& alphasCumprod) {
    if (settings.kind != SamplerKind::Ddim)
        return settings.steps;
    const std::int64_t trainTimesteps = alphasCumprod.size(0);
    return static_cast<std::int64_t>(settings.spacing == TimestepSpacing::Trailing
                                         ? trailingTimesteps(settings.steps, trainTimesteps).size()
                                         : ddimTimesteps(settings.steps, trainTimesteps).size());
}

// The last ⌊total·strength⌋ steps run (diffusers' rule; the small epsilon keeps 0.3·50 at 15).
std::int64_t stepsToRun(const InitLatent& init, std::int64_t total) {
    const auto count =
        static_cast<std::int64_t>(std::floor(static_cast<double>(total) * init.strength + 1e-9));
    return std::clamp<std::int64_t>(count, 0, total);
}

void checkInit(const InitLatent& init, const torch::Tensor& noise) {
    if (!(init.strength >= 0.0 && init.strength <= 1.0))
        throw std::runtime_error("img2img strength must lie in [0, 1]");
    const auto fits = [&](const torch::Tensor& t, std::int64_t channels) {
        return t.dim() == 4 && (t.size(0) == 1 || t.size(0) == noise.size(0)) &&
               t.size(1) == channels && t.size(2) == noise.size(2) && t.size(3) == noise.size(3);
    };
    if (!init.latent.defined() || !fits(init.latent, noise.size(1)))
        throw std::runtime_error("the init latent must be [1 or batch, channels, h, w] like the "
                                 "noise");
    if (init.repaint.defined() && !fits(init.repaint, 1))
        throw std::runtime_error("the repaint mask must be [1 or batch, 1, h, w] at latent size");
}

// The region to keep follows the init latent: at the model's input (the init noised to the
// current level) and in its clean prediction. DDIM works on x = √ᾱ·x0 + √(1−ᾱ)·ε at integer
// timesteps, so the clean prediction is reached through ε.
Denoiser keepRegionEps(Denoiser denoise, const torch::Tensor& alphasCumprod, torch::Tensor init,
                       torch::Tensor noise, torch::Tensor repaint) {
    return [=](const torch::Tensor& x, std::int64_t t, std::int64_t step) {
        const double alpha = alphasCumprod[t].item<double>();
        const double signal = std::sqrt(alpha);
        const double spread = std::sqrt(1.0 - alpha);
        const torch::Tensor keep = 1.0 - repaint;
        const torch::Tensor in = x * repaint + (init * signal + noise * spread) * keep;
        const torch::Tensor eps = denoise(in, t, step).to(x.scalar_type());
        const torch::Tensor x0 = (in - eps * spread) / signal;
        const torch::Tensor blended = x0 * repaint + init * keep;
        return (in - blended * signal) / spread;
    };
}

// The same for the k-diffusion samplers, which work on x = x0 + σ·ε and predict x0 directly.
SigmaDenoiseFn keepRegionSigma(SigmaDenoiseFn denoise, torch::Tensor init, torch::Tensor noise,
                               torch::Tensor repaint) {
    return [=](const torch::Tensor& x, double sigma, std::int64_t step) {
        const torch::Tensor keep = 1.0 - repaint;
        const torch::Tensor in = x * repaint + (init + noise * sigma) * keep;
        return denoise(in, sigma, step) * repaint + init * keep;
    };
}

void checkSpacing(const SamplerSettings& settings) {
    if (settings.spacing == TimestepSpacing::Trailing && !takesTrailingSpacing(settings.kind))
        throw std::runtime_error(std::string("the ") + nameOf(settings.kind) +
                                 " sampler takes only the leading timestep spacing");
    // The consistency samplers and the trailing grid start from pure noise only (for now).
    const bool fromNoiseOnly = settings.kind == SamplerKind::Lcm ||
                               settings.kind == SamplerKind::Tcd ||
                               settings.spacing == TimestepSpacing::Trailing;
    if (settings.init && fromNoiseOnly)
        throw std::runtime_error(std::string("img2img and inpainting are not available with the ") +
                                 nameOf(settings.kind) +
                                 (settings.spacing == TimestepSpacing::Trailing
                                      ? " sampler on the trailing timestep spacing"
                                      : " sampler"));
}

} // namespace

std::int64_t plannedSteps(const SamplerSettings& settings, const torch::Tensor& alphasCumprod) {
    const std::int64_t total = scheduledSteps(settings, alphasCumprod);
    return settings.init ? stepsToRun(*settings.init, total) : total;
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
        break;
    case SamplerKind::Lcm:
    case SamplerKind::Tcd:
        return runConsistency(settings, alphasCumprod, noise, denoise, callback);
    case SamplerKind::DpmPp2m:
    case SamplerKind::EulerAncestral:
        break;
    }
    const std::int64_t total = scheduledSteps(settings, alphasCumprod);
    std::int64_t first = 0;
    torch::Tensor init, repaint;
    if (settings.init) {
        checkInit(*settings.init, noise);
        first = total - stepsToRun(*settings.init, total);
        init = settings.init->latent.to(noise.scalar_type()).expand_as(noise).contiguous();
        if (settings.init->repaint.defined())
            repaint = settings.init->repaint.to(noise.scalar_type());
        if (first == total)
            return init;
    }
    // What the region to keep holds at the end: the init latent itself, exactly.
    const auto finish = [&](const torch::Tensor& x) {
        return repaint.defined() ? x * repaint + init * (1.0 - repaint) : x;
    };

    if (settings.kind == SamplerKind::Ddim) {
        const DdimSampler sampler(alphasCumprod, settings.steps, 0.0);
        torch::Tensor start = noise;
        if (init.defined()) {
            const double alpha =
                alphasCumprod[sampler.runTimesteps()[static_cast<std::size_t>(first)]]
                    .item<double>();
            start = init * std::sqrt(alpha) + noise * std::sqrt(1.0 - alpha);
        }
        const Denoiser model = repaint.defined()
                                   ? keepRegionEps(denoise, alphasCumprod, init, noise, repaint)
                                   : denoise;
        return finish(sampler.sample(start, model, callback, std::nullopt, first));
    }

    const std::vector<double> discrete = discreteSigmas(alphasCumprod);
    SigmaDenoiseFn denoiser = epsDenoiser(denoise, discrete);
    if (repaint.defined())
        denoiser = keepRegionSigma(denoiser, init, noise, repaint);
    const std::vector<double> all = sigmaSchedule(settings, discrete);
    const std::vector<double> sigmas(all.begin() + first, all.end());
    // The k-samplers start from start·σ0: init + σ0·noise for image-to-image (up to rounding).
    const torch::Tensor start = init.defined() ? noise + init / sigmas.front() : noise;
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
        return finish(sampleDpmpp2m(start, sigmas, denoiser, named));
    case SamplerKind::EulerAncestral:
        // Its per-step noise: a generator of its own seeded with the request's seed.
        return finish(sampleEulerAncestral(start, sigmas, denoiser,
                                           at::detail::createCPUGenerator(settings.seed), named));
    case SamplerKind::Ddim:
    case SamplerKind::Lcm:
    case SamplerKind::Tcd:
        break;
    }
    throw std::logic_error("sample::run: unknown sampler");
}

} // namespace deadiff::sample
