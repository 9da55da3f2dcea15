#include "core/sample/schedule.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace deadiff::sample {

torch::Tensor scaledLinearAlphasCumprod(std::int64_t timesteps, double linearStart,
                                        double linearEnd) {
    if (timesteps < 2)
        throw std::runtime_error("noise schedule needs at least 2 timesteps");
    const torch::Tensor betas =
        torch::linspace(std::sqrt(linearStart), std::sqrt(linearEnd), timesteps,
                        torch::TensorOptions().dtype(torch::kDouble))
            .pow(2);
    return torch::cumprod(1.0 - betas, 0).to(torch::kFloat);
}

torch::Tensor rescaleTerminalSignal(const torch::Tensor& alphasCumprod,
                                    double terminalSqrtAlphaBar) {
    const torch::Tensor root = alphasCumprod.to(torch::kDouble).sqrt();
    const double first = root[0].item<double>();
    const double last = root[-1].item<double>();
    if (!(terminalSqrtAlphaBar > 0) || !(terminalSqrtAlphaBar < first) || !(last < first))
        throw std::runtime_error("terminal sqrt(alpha_bar) must lie in (0, " +
                                 std::to_string(first) + ")");
    const torch::Tensor moved =
        (root - last) * ((first - terminalSqrtAlphaBar) / (first - last)) + terminalSqrtAlphaBar;
    return moved.pow(2).to(torch::kFloat);
}

torch::Tensor alphasCumprodOrDefault(const torch::Tensor& fromCheckpoint) {
    if (!fromCheckpoint.defined())
        return scaledLinearAlphasCumprod();
    if (fromCheckpoint.dim() != 1 || fromCheckpoint.size(0) != kTrainTimesteps) {
        std::ostringstream message;
        message << "checkpoint 'alphas_cumprod' has shape " << fromCheckpoint.sizes()
                << "; expected [" << kTrainTimesteps << "]";
        throw std::runtime_error(message.str());
    }
    const torch::Tensor values = fromCheckpoint.to(torch::kFloat).contiguous();
    if (!torch::isfinite(values).all().item<bool>() || (values <= 0).any().item<bool>() ||
        (values > 1).any().item<bool>())
        throw std::runtime_error("checkpoint 'alphas_cumprod' has values outside (0, 1]");
    return values;
}

} // namespace deadiff::sample
