#include "core/sample/dpmpp_2m.h"

#include <cmath>
#include <stdexcept>

namespace deadiff::sample {

torch::Tensor sampleDpmpp2m(const torch::Tensor& noise, const std::vector<double>& sigmas,
                            const SigmaDenoiseFn& denoise, const StepCallback& callback) {
    checkSigmas(sigmas);
    if (!denoise)
        throw std::runtime_error("DPM++ 2M needs a denoiser");
    const auto total = static_cast<std::int64_t>(sigmas.size() - 1);
    torch::Tensor x = noise * sigmas[0];
    torch::Tensor oldDenoised;
    for (std::int64_t i = 0; i < total; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double sigma = sigmas[k];
        const double sigmaNext = sigmas[k + 1];
        const torch::Tensor denoised = denoise(x, sigma, i);
        // λ = −log σ; the step is exact for a constant denoiser: x' = (σ'/σ)·x − (e^{−h} − 1)·D.
        const double h = std::log(sigma) - (sigmaNext > 0 ? std::log(sigmaNext) : -INFINITY);
        const double keep = sigmaNext / sigma;
        const double toward = -std::expm1(-h); // 1 − σ'/σ
        torch::Tensor target = denoised;
        if (oldDenoised.defined() && sigmaNext > 0) {
            // Second order from the previous denoised, r = h_last / h.
            const double hLast = std::log(sigmas[k - 1]) - std::log(sigma);
            const double r = hLast / h;
            target = denoised * (1.0 + 1.0 / (2.0 * r)) - oldDenoised * (1.0 / (2.0 * r));
        }
        x = x * keep + target * toward;
        oldDenoised = denoised;
        // The timestep is the caller's to name (sample::run): σ alone does not say which
        // schedule it came from.
        if (callback && !callback({i, total, -1, sigma, sigmaNext, x, denoised}))
            break;
    }
    return x;
}

} // namespace deadiff::sample
