// The precision the networks compute in. Torch-free: the request, the CLI and the GUI name it.
#pragma once

#include "core/common/enum_names.h"

#include <array>

namespace deadiff {

enum class ComputeDtype {
    Auto, // bfloat16 where the CPU computes it natively, float32 elsewhere (a model may say)
    Float32,
    BFloat16,
};

constexpr auto enumNames(ComputeDtype) {
    return std::array{EnumName<ComputeDtype>{ComputeDtype::Auto, "auto"},
                      EnumName<ComputeDtype>{ComputeDtype::Float32, "float32"},
                      EnumName<ComputeDtype>{ComputeDtype::BFloat16, "bfloat16"}};
}

// What `requested` means on this machine for a model whose own choice for "auto" is
// `modelAuto` (a model folder's auto_dtype; Auto: the CPU decides): never Auto. bfloat16 is the
// CPU's choice where it has AVX512-BF16 or AMX (about twice the float32 speed), float32 elsewhere.
ComputeDtype resolveComputeDtype(ComputeDtype requested,
                                 ComputeDtype modelAuto = ComputeDtype::Auto);

} // namespace deadiff
