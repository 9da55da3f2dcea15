#include "core/sample/ddim.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace deadiff::sample {

std::vector<std::int64_t> ddimTimesteps(std::int64_t steps, std::int64_t trainTimesteps) {
    if (steps < 1 || steps > trainTimesteps)
        throw std::runtime_error("DDIM steps must be between 1 and " +
                                 std::to_string(trainTimesteps) + ", got " + std::to_string(steps));
    const std::int64_t stride = trainTimesteps / steps;
    if (stride < 2)
        throw std::runtime_error("DDIM supports at most " + std::to_string(trainTimesteps / 2) +
                                 " steps, got " + std::to_string(steps));
    std::vector<std::int64_t> timesteps;
    for (std::int64_t t = 0; t < trainTimesteps; t += stride)
        timesteps.push_back(t + 1);
    // When the stride divides T−1 (S = 3, 9, 27, 36, 37) the shifted grid ends at T, past the
    // schedule: the official code raises IndexError there. We visit T−1 instead.
    timesteps.back() = std::min(timesteps.back(), trainTimesteps - 1);
    return timesteps;
}

DdimSampler::DdimSampler(torch::Tensor alphasCumprod, std::int64_t steps, double eta) {
    if (alphasCumprod.dim() != 1 || alphasCumprod.size(0) < 2)
        throw std::runtime_error("DDIM needs a 1-D alphas_cumprod schedule");
    if (eta < 0)
        throw std::runtime_error("DDIM eta must be >= 0");
    const torch::Tensor alphas = alphasCumprod.to(torch::kFloat).contiguous();
    const std::int64_t trainTimesteps = alphas.size(0);
    timesteps_ = ddimTimesteps(steps, trainTimesteps);
    const float* a = alphas.data_ptr<float>();
    for (std::size_t i = 0; i < timesteps_.size(); ++i) {
        // The reference indexes ᾱ with the shifted timesteps themselves; the first one's
        // previous value is ᾱ[0], not 1.
        const float alpha = a[timesteps_[i]];
        const float alphaPrev = i == 0 ? a[0] : a[timesteps_[i - 1]];
        alphas_.push_back(alpha);
        alphasPrev_.push_back(alphaPrev);
        // The reference evaluates σ in float64 from the float32 values, then stores float32.
        const double ap = alphaPrev;
        const double at = alpha;
        sigmas_.push_back(
            static_cast<float>(eta * std::sqrt((1.0 - ap) / (1.0 - at) * (1.0 - at / ap))));
        sqrtOneMinusAlphas_.push_back(std::sqrt(1.0f - alpha));
    }
}

std::vector<std::int64_t> DdimSampler::runTimesteps() const {
    return {timesteps_.rbegin(), timesteps_.rend()};
}

DdimSampler::StepConstants DdimSampler::constants(std::int64_t index) const {
    const std::int64_t count = stepCount();
    if (index < 0 || index >= count)
        throw std::runtime_error("DDIM step index " + std::to_string(index) + " out of range");
    const auto k = static_cast<std::size_t>(count - 1 - index);
    return {alphas_[k], alphasPrev_[k], sigmas_[k], sqrtOneMinusAlphas_[k]};
}

DdimSampler::StepResult DdimSampler::step(std::int64_t index, const torch::Tensor& x,
                                          const torch::Tensor& eps,
                                          std::optional<torch::Generator> generator) const {
    const StepConstants c = constants(index);
    // 0-dim float32 tensors so every operation rounds as the reference's float32 tensors do.
    const auto scalar = [&](float value) {
        return torch::full({}, value, torch::TensorOptions().dtype(torch::kFloat));
    };
    const torch::Tensor aT = scalar(c.alpha);
    const torch::Tensor aPrev = scalar(c.alphaPrev);
    const torch::Tensor sigma = scalar(c.sigma);
    const torch::Tensor sqrtOneMinusAT = scalar(c.sqrtOneMinusAlpha);
    const torch::Tensor e = eps.to(x.scalar_type());

    StepResult result;
    result.predictedX0 = (x - sqrtOneMinusAT * e) / aT.sqrt();
    const torch::Tensor direction = (1.0 - aPrev - sigma.pow(2)).sqrt() * e;
    result.x = aPrev.sqrt() * result.predictedX0 + direction;
    if (c.sigma > 0) {
        const torch::Tensor noise =
            generator ? torch::randn(x.sizes(), *generator, x.options()) : torch::randn_like(x);
        result.x = result.x + sigma * noise;
    }
    return result;
}

torch::Tensor DdimSampler::sample(const torch::Tensor& xT, const Denoiser& denoise,
                                  const StepCallback& callback,
                                  std::optional<torch::Generator> generator,
                                  std::int64_t firstStep) const {
    if (firstStep < 0 || firstStep > stepCount())
        throw std::runtime_error("DDIM first step " + std::to_string(firstStep) + " out of range");
    torch::Tensor x = xT;
    const std::vector<std::int64_t> order = runTimesteps();
    for (auto index = firstStep; index < stepCount(); ++index) {
        const std::int64_t t = order[static_cast<std::size_t>(index)];
        const std::int64_t run = index - firstStep;
        const torch::Tensor eps = denoise(x, t, run);
        StepResult result = step(index, x, eps, generator);
        x = result.x;
        if (callback) {
            const StepConstants c = constants(index);
            const auto noiseLevel = [](double abar) { return std::sqrt((1.0 - abar) / abar); };
            // After the last step x is at ᾱ[0]'s level, which the reference keeps (not 0).
            const StepInfo info{
                run, stepCount() - firstStep, t, noiseLevel(c.alpha), noiseLevel(c.alphaPrev),
                x,   result.predictedX0};
            if (!callback(info))
                break;
        }
    }
    return x;
}

} // namespace deadiff::sample
