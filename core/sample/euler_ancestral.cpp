#include "core/sample/euler_ancestral.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace deadiff::sample {

AncestralStep ancestralStep(double sigma, double sigmaNext, double eta) {
    if (eta == 0.0)
        return {sigmaNext, 0.0};
    const double up = std::min(
        sigmaNext, eta * std::sqrt(sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) /
                                   (sigma * sigma)));
    return {std::sqrt(sigmaNext * sigmaNext - up * up), up};
}

torch::Tensor sampleEulerAncestral(const torch::Tensor& noise, const std::vector<double>& sigmas,
                                   const SigmaDenoiseFn& denoise, torch::Generator generator,
                                   const StepCallback& callback, double eta) {
    checkSigmas(sigmas);
    if (!denoise)
        throw std::runtime_error("Euler ancestral needs a denoiser");
    if (eta < 0)
        throw std::runtime_error("Euler ancestral eta must be >= 0");
    const auto total = static_cast<std::int64_t>(sigmas.size() - 1);
    torch::Tensor x = noise * sigmas[0];
    for (std::int64_t i = 0; i < total; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double sigma = sigmas[k];
        const double sigmaNext = sigmas[k + 1];
        const torch::Tensor denoised = denoise(x, sigma, i);
        const AncestralStep next = ancestralStep(sigma, sigmaNext, eta);
        // d = (x − D)/σ; x += d·(σ_down − σ).
        x = x + (x - denoised) * ((next.down - sigma) / sigma);
        if (sigmaNext > 0)
            x = x + torch::randn(x.sizes(), generator, x.options()) * next.up;
        // The timestep is the caller's to name (sample::run): σ alone does not say which
        // schedule it came from.
        if (callback && !callback({i, total, -1, sigma, sigmaNext, x, denoised}))
            break;
    }
    return x;
}

} // namespace deadiff::sample
