#include "core/sample/sigmas.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace deadiff::sample {

std::vector<double> discreteSigmas(const torch::Tensor& alphasCumprod) {
    if (alphasCumprod.dim() != 1 || alphasCumprod.size(0) < 2)
        throw std::runtime_error("sigma schedule needs a 1-D alphas_cumprod");
    const torch::Tensor alphas = alphasCumprod.to(torch::kDouble).contiguous();
    const double* a = alphas.data_ptr<double>();
    std::vector<double> sigmas;
    for (std::int64_t t = 0; t < alphas.size(0); ++t)
        sigmas.push_back(std::sqrt((1.0 - a[t]) / a[t]));
    return sigmas;
}

std::vector<double> karrasSigmas(std::int64_t steps, double sigmaMin, double sigmaMax, double rho) {
    if (steps < 1)
        throw std::runtime_error("Karras sigmas need at least 1 step, got " +
                                 std::to_string(steps));
    if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin) || !(rho > 0))
        throw std::runtime_error("Karras sigmas need 0 < sigma_min < sigma_max and rho > 0");
    const double minInv = std::pow(sigmaMin, 1.0 / rho);
    const double maxInv = std::pow(sigmaMax, 1.0 / rho);
    std::vector<double> sigmas;
    for (std::int64_t i = 0; i < steps; ++i) {
        // torch.linspace(0, 1, n) as k-diffusion builds the ramp (n = 1 gives [0]).
        const double ramp = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
        sigmas.push_back(std::pow(maxInv + ramp * (minInv - maxInv), rho));
    }
    sigmas.push_back(0.0);
    return sigmas;
}

namespace {

double sigmaAt(double t, const std::vector<double>& discrete) {
    const auto low = static_cast<std::size_t>(std::floor(t));
    const std::size_t high = std::min(low + 1, discrete.size() - 1);
    const double w = t - static_cast<double>(low);
    return std::exp((1.0 - w) * std::log(discrete[low]) + w * std::log(discrete[high]));
}

} // namespace

std::vector<double> uniformSigmas(std::int64_t steps, const std::vector<double>& discrete) {
    if (steps < 1)
        throw std::runtime_error("sigmas need at least 1 step, got " + std::to_string(steps));
    if (discrete.size() < 2)
        throw std::runtime_error("sigma schedule needs at least 2 levels");
    const double tMax = static_cast<double>(discrete.size() - 1);
    std::vector<double> sigmas;
    for (std::int64_t i = 0; i < steps; ++i) {
        const double t = steps == 1 ? tMax : tMax - tMax * static_cast<double>(i) / (steps - 1);
        sigmas.push_back(sigmaAt(t, discrete));
    }
    sigmas.push_back(0.0);
    return sigmas;
}

std::int64_t sigmaToTimestep(double sigma, const std::vector<double>& discrete) {
    if (discrete.size() < 2)
        throw std::runtime_error("sigma schedule needs at least 2 levels");
    const auto last = static_cast<std::int64_t>(discrete.size() - 1);
    if (sigma <= discrete.front())
        return 0;
    if (sigma >= discrete.back())
        return last;
    // The first level above σ; interpolate log σ between it and the one below.
    const auto above = std::upper_bound(discrete.begin(), discrete.end(), sigma);
    const auto high = static_cast<std::int64_t>(above - discrete.begin());
    const std::int64_t low = high - 1;
    const double logLow = std::log(discrete[static_cast<std::size_t>(low)]);
    const double logHigh = std::log(discrete[static_cast<std::size_t>(high)]);
    const double w = (std::log(sigma) - logLow) / (logHigh - logLow);
    return std::clamp<std::int64_t>(std::llround(static_cast<double>(low) + w), 0, last);
}

SigmaDenoiseFn epsDenoiser(Denoiser eps, std::vector<double> discrete) {
    if (!eps)
        throw std::runtime_error("epsDenoiser needs a model function");
    return [eps = std::move(eps), discrete = std::move(discrete)](const torch::Tensor& x,
                                                                  double sigma, std::int64_t step) {
        const double cIn = 1.0 / std::sqrt(sigma * sigma + 1.0);
        const torch::Tensor e = eps(x * cIn, sigmaToTimestep(sigma, discrete), step);
        return x - e.to(x.scalar_type()) * sigma;
    };
}

void checkSigmas(const std::vector<double>& sigmas) {
    bool valid = sigmas.size() >= 2 && sigmas.back() == 0.0;
    for (std::size_t i = 0; valid && i + 1 < sigmas.size(); ++i)
        valid = sigmas[i] > 0 && sigmas[i + 1] < sigmas[i];
    if (!valid)
        throw std::runtime_error(
            "sampler sigmas must be at least two values, positive, descending and end at 0");
}

} // namespace deadiff::sample
