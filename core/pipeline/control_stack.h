// The ControlNets of one generation (docs/controlnet.md): each with its hint, strength and step
// window. Their residuals are summed, each scaled by its strength (ControlLDM's
// `control_scales`, A1111's multi-ControlNet), and each ControlNet runs once per sampler step on
// the whole classifier-free-guidance batch.
#pragma once

#include "core/control/control_unit.h"
#include "core/nn/controlnet.h"

#include <torch/torch.h>

#include <vector>

namespace deadiff::pipeline {

class ControlStack {
public:
    // `hint` [1, 3, H, W] in [0, 1] at the image size, in the network's dtype; the unit gives
    // strength and window.
    void add(nn::ControlNetModel net, torch::Tensor hint, const control::ControlUnit& unit);
    bool empty() const { return entries_.empty(); }

    // Σ scale_i · ControlNet_i(x, hint_i, t, text) over the units acting at sampler step `step`
    // of `total` (control::actsAt); empty when none acts, so the UNet then runs exactly as
    // without ControlNets. `text` is the plain text context of x's rows (ControlLDM never gives
    // the ControlNet image tokens).
    std::vector<torch::Tensor> residuals(const torch::Tensor& x, const torch::Tensor& timesteps,
                                         const torch::Tensor& text, int step, int total) const;

private:
    struct Entry {
        nn::ControlNetModel net;
        torch::Tensor hint;
        control::ControlUnit unit;
    };
    std::vector<Entry> entries_;
};

} // namespace deadiff::pipeline
