// The samplers a request can name. Torch-free: the request, the CLI and the GUI include it.
#pragma once

#include "core/common/enum_names.h"

#include <array>

namespace deadiff::sample {

enum class SamplerKind {
    Ddim,           // the official LDM DDIM (eta 0)
    DpmPp2m,        // DPM++ 2M with Karras sigmas (A1111 "DPM++ 2M Karras")
    EulerAncestral, // k-diffusion Euler ancestral (A1111 "Euler a"), noise seeded by the request
};

constexpr auto enumNames(SamplerKind) {
    return std::array{EnumName<SamplerKind>{SamplerKind::Ddim, "ddim"},
                      EnumName<SamplerKind>{SamplerKind::DpmPp2m, "dpmpp-2m"},
                      EnumName<SamplerKind>{SamplerKind::EulerAncestral, "euler-a"}};
}

// The name AUTOMATIC1111 writes in its "parameters" text ("DDIM", "DPM++ 2M Karras", "Euler a").
const char* a1111SamplerName(SamplerKind kind);

} // namespace deadiff::sample
