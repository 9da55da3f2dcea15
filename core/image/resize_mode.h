// How a start image (and its mask) is fitted to the requested size, as A1111's img2img "Resize
// mode" offers it. Torch-free: the request, the CLI and the GUI name it.
//   Crop    - scale to cover the size, keep the centre (A1111 "Crop and resize"; default);
//   Stretch - scale each side to the size, ignoring the aspect ratio ("Just resize");
//   Fill    - scale to fit inside, fill the bars by stretching the outermost pixels ("Resize
//             and fill").
#pragma once

#include "core/common/enum_names.h"

#include <array>

namespace deadiff::image {

enum class ResizeMode { Crop, Stretch, Fill };

constexpr auto enumNames(ResizeMode) {
    return std::array{EnumName<ResizeMode>{ResizeMode::Crop, "crop"},
                      EnumName<ResizeMode>{ResizeMode::Stretch, "stretch"},
                      EnumName<ResizeMode>{ResizeMode::Fill, "fill"}};
}

} // namespace deadiff::image
