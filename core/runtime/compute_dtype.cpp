#include "core/runtime/compute_dtype.h"

#include "core/runtime/system_info.h"

namespace deadiff {

ComputeDtype resolveComputeDtype(ComputeDtype requested, ComputeDtype modelAuto) {
    if (requested != ComputeDtype::Auto)
        return requested;
    if (modelAuto != ComputeDtype::Auto)
        return modelAuto;
    const CpuFeatures cpu = detectCpuFeatures();
    return cpu.avx512Bf16 || cpu.amxBf16 ? ComputeDtype::BFloat16 : ComputeDtype::Float32;
}

} // namespace deadiff
