#include "core/pipeline/control_stack.h"

namespace deadiff::pipeline {

void ControlStack::add(nn::ControlNetModel net, torch::Tensor hint,
                       const control::ControlUnit& unit) {
    entries_.push_back({std::move(net), std::move(hint), unit});
}

std::vector<torch::Tensor> ControlStack::residuals(const torch::Tensor& x,
                                                   const torch::Tensor& timesteps,
                                                   const torch::Tensor& text, int step,
                                                   int total) const {
    std::vector<torch::Tensor> sum;
    for (const Entry& entry : entries_) {
        if (!control::actsAt(entry.unit, step, total))
            continue;
        // The holder is const here; the network itself is not (forward is not const).
        std::vector<torch::Tensor> own = entry.net.ptr()->forward(x, entry.hint, timesteps, text);
        if (sum.empty()) {
            for (torch::Tensor& residual : own)
                sum.push_back(residual * entry.unit.scale);
            continue;
        }
        if (own.size() != sum.size())
            throw std::runtime_error("ControlNets of one generation gave " +
                                     std::to_string(sum.size()) + " and " +
                                     std::to_string(own.size()) + " residuals");
        for (std::size_t i = 0; i < own.size(); ++i)
            sum[i] = sum[i] + own[i] * entry.unit.scale;
    }
    return sum;
}

} // namespace deadiff::pipeline
