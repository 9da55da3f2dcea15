// Torch-free, like the header: the request's text forms (and the parser fuzzers) use it.
#include "core/sample/sampler_kind.h"

namespace deadiff::sample {

const char* a1111SamplerName(SamplerKind kind) {
    switch (kind) {
    case SamplerKind::Ddim:
        return "DDIM";
    case SamplerKind::DpmPp2m:
        return "DPM++ 2M Karras";
    case SamplerKind::EulerAncestral:
        return "Euler a";
    case SamplerKind::Lcm:
        return "LCM";
    case SamplerKind::Tcd:
        return "TCD";
    }
    return "";
}

} // namespace deadiff::sample
