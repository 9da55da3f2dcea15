// The samplers a request can name. Torch-free: the request, the CLI and the GUI include it.
#pragma once

#include "core/common/enum_names.h"

#include <array>

namespace deadiff::sample {

enum class SamplerKind {
    Ddim,           // the official LDM DDIM (eta 0)
    DpmPp2m,        // DPM++ 2M with Karras sigmas (A1111 "DPM++ 2M Karras")
    EulerAncestral, // k-diffusion Euler ancestral (A1111 "Euler a"), noise seeded by the request
    Lcm,            // diffusers LCMScheduler: 2-8 steps with an LCM-LoRA, fresh noise each step
    Tcd,            // diffusers TCDScheduler (gamma 0.3): LCM's schedule, less stochastic
};

constexpr auto enumNames(SamplerKind) {
    return std::array{EnumName<SamplerKind>{SamplerKind::Ddim, "ddim"},
                      EnumName<SamplerKind>{SamplerKind::DpmPp2m, "dpmpp-2m"},
                      EnumName<SamplerKind>{SamplerKind::EulerAncestral, "euler-a"},
                      EnumName<SamplerKind>{SamplerKind::Lcm, "lcm"},
                      EnumName<SamplerKind>{SamplerKind::Tcd, "tcd"}};
}

// The name AUTOMATIC1111 writes in its "parameters" text ("DDIM", "DPM++ 2M Karras", "Euler a",
// "LCM", "TCD").
const char* a1111SamplerName(SamplerKind kind);

// Where a sampler's timestep grid starts (conventions.md `--timestep-spacing`): "leading" is each
// sampler's own grid (LDM DDIM's range(0, T, T/S) + 1, k-diffusion's linspace for Euler a);
// "trailing" (Lin et al. 2024; diffusers `timestep_spacing="trailing"`) starts at T − 1, what
// Hyper-SD and SDXL-Lightning-style LoRAs expect from DDIM and Euler a. LCM and TCD keep their
// distilled schedule, DPM++ 2M its Karras sigmas: they take only "leading".
enum class TimestepSpacing { Leading, Trailing };

constexpr auto enumNames(TimestepSpacing) {
    return std::array{EnumName<TimestepSpacing>{TimestepSpacing::Leading, "leading"},
                      EnumName<TimestepSpacing>{TimestepSpacing::Trailing, "trailing"}};
}

constexpr bool takesTrailingSpacing(SamplerKind kind) {
    return kind == SamplerKind::Ddim || kind == SamplerKind::EulerAncestral;
}

// LCM and TCD pick their steps from the consistency distillation's grid of this many timesteps
// (LCM-LoRA's `original_inference_steps`), so they run at most this many steps.
inline constexpr int kConsistencyOriginalSteps = 50;

} // namespace deadiff::sample
