#include "core/sample/guidance.h"

#include <stdexcept>

namespace deadiff::sample {

torch::Tensor combineGuidance(const torch::Tensor& epsUnconditional,
                              const torch::Tensor& epsConditional, double scale) {
    return epsUnconditional + scale * (epsConditional - epsUnconditional);
}

Denoiser classifierFreeGuidance(GuidedModelFn model, double scale) {
    if (!model)
        throw std::runtime_error("classifier-free guidance needs a model function");
    return [model = std::move(model), scale](const torch::Tensor& x, std::int64_t t,
                                             std::int64_t step) {
        if (scale == 1.0)
            return model(x, t, step, false);
        const torch::Tensor eps = model(torch::cat({x, x}), t, step, true);
        if (eps.size(0) != 2 * x.size(0))
            throw std::runtime_error("guided model returned " + std::to_string(eps.size(0)) +
                                     " rows for a doubled batch of " +
                                     std::to_string(2 * x.size(0)));
        const auto halves = eps.chunk(2, 0);
        return combineGuidance(halves[0], halves[1], scale);
    };
}

} // namespace deadiff::sample
