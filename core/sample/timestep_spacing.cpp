#include "core/sample/timestep_spacing.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace deadiff::sample {

std::vector<std::int64_t> trailingTimesteps(std::int64_t steps, std::int64_t trainTimesteps) {
    if (steps < 1 || steps > trainTimesteps)
        throw std::runtime_error("steps must be between 1 and " + std::to_string(trainTimesteps) +
                                 ", got " + std::to_string(steps));
    const double start = static_cast<double>(trainTimesteps);
    const double delta = -start / static_cast<double>(steps);
    // numpy.arange: ceil((stop − start)/step) values start + i·step.
    const auto count = static_cast<std::int64_t>(std::ceil((0.0 - start) / delta));
    std::vector<std::int64_t> timesteps;
    for (std::int64_t i = 0; i < count; ++i) {
        // std::nearbyint in the default rounding mode rounds halves to even, as numpy.round.
        const double value = std::nearbyint(start + static_cast<double>(i) * delta);
        timesteps.push_back(static_cast<std::int64_t>(value) - 1);
    }
    return timesteps;
}

std::int64_t ddimPreviousTimestep(std::int64_t t, std::int64_t steps, std::int64_t trainTimesteps) {
    if (steps < 1)
        throw std::runtime_error("steps must be positive");
    return t - trainTimesteps / steps;
}

DdimUpdate ddimUpdate(const torch::Tensor& alphasCumprod, std::int64_t t, std::int64_t previous,
                      const torch::Tensor& x, const torch::Tensor& eps) {
    const std::int64_t size = alphasCumprod.dim() == 1 ? alphasCumprod.size(0) : 0;
    if (t < 0 || t >= size || previous >= size)
        throw std::runtime_error("DDIM timestep outside the noise schedule");
    // 0-dim float32 values, as diffusers indexes its float32 schedule.
    const torch::Tensor alpha = alphasCumprod[t].to(torch::kFloat);
    const torch::Tensor alphaPrev = alphasCumprod[previous >= 0 ? previous : 0].to(torch::kFloat);
    const torch::Tensor e = eps.to(x.scalar_type());
    DdimUpdate result;
    result.predictedX0 = (x - (1 - alpha).sqrt() * e) / alpha.sqrt();
    result.x = alphaPrev.sqrt() * result.predictedX0 + (1 - alphaPrev).sqrt() * e;
    return result;
}

std::vector<double> trailingSigmas(std::int64_t steps, const std::vector<double>& discrete) {
    const auto size = static_cast<std::int64_t>(discrete.size());
    std::vector<double> sigmas;
    for (const std::int64_t t : trailingTimesteps(steps, size))
        sigmas.push_back(discrete[static_cast<std::size_t>(t)]);
    sigmas.push_back(0.0);
    return sigmas;
}

} // namespace deadiff::sample
