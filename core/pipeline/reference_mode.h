// Which reference images feed which Q-Former (conventions.md "Modes"). Torch-free: the request,
// the CLI and the GUI name it.
//   Style   - style references -> style branch (mixed); content context zeros.
//   Content - the content reference, else the first style reference -> content branch; style
//             context zeros.
//   Both    - style references -> style branch; the content reference, else the first style
//             reference (as the official app does) -> content branch.
//   None    - zeros in both (plain SD 1.5; the official code crashes here: our choice).
#pragma once

#include "core/common/enum_names.h"

#include <array>

namespace deadiff {

enum class ReferenceMode { Style, Content, Both, None };

constexpr auto enumNames(ReferenceMode) {
    return std::array{EnumName<ReferenceMode>{ReferenceMode::Style, "style"},
                      EnumName<ReferenceMode>{ReferenceMode::Content, "content"},
                      EnumName<ReferenceMode>{ReferenceMode::Both, "both"},
                      EnumName<ReferenceMode>{ReferenceMode::None, "none"}};
}

} // namespace deadiff
