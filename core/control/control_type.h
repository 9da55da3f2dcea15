// What a ControlNet was trained to read (its hint's kind) and how a hint is made from an ordinary
// picture. One name table each (enum_names.h), parsed at the edges. Torch- and OpenCV-free: the
// request and the GUI include it.
#pragma once

#include "core/common/enum_names.h"

#include <array>
#include <optional>
#include <string>

namespace deadiff::control {

// The SD 1.5 ControlNet kinds (v1.0 and v1.1). Given: a ControlNet whose kind the file name does
// not say; it works with a ready hint the user gives.
enum class ControlType {
    Given,
    Canny,
    Depth,
    Normal,
    Lineart,
    LineartAnime,
    Softedge,
    Scribble,
    Seg,
    Openpose,
    Mlsd,
    Tile,
    Shuffle,
};

constexpr auto enumNames(ControlType) {
    using E = EnumName<ControlType>;
    return std::array{
        E{ControlType::Given, "given"},       E{ControlType::Canny, "canny"},
        E{ControlType::Depth, "depth"},       E{ControlType::Normal, "normal"},
        E{ControlType::Lineart, "lineart"},   E{ControlType::LineartAnime, "lineart_anime"},
        E{ControlType::Softedge, "softedge"}, E{ControlType::Scribble, "scribble"},
        E{ControlType::Seg, "seg"},           E{ControlType::Openpose, "openpose"},
        E{ControlType::Mlsd, "mlsd"},         E{ControlType::Tile, "tile"},
        E{ControlType::Shuffle, "shuffle"}};
}

// The kind a ControlNet file's name says, as the released files are named:
// control_v11p_sd15_canny, control_v11f1p_sd15_depth, control_v11p_sd15s2_lineart_anime,
// control_sd15_hed (softedge), control_v11p_sd15_normalbae, ... Case and separators (_ - .)
// do not matter; a name that says none of them is Given.
ControlType controlTypeFromFileName(const std::string& path);

// How a hint is made from a picture (`hint_from`). None: the picture is the hint.
enum class Preprocessor { None, Canny, Scribble, Lineart, Tile, Shuffle, DepthMap, DepthMidas };

constexpr auto enumNames(Preprocessor) {
    using E = EnumName<Preprocessor>;
    return std::array{
        E{Preprocessor::None, "none"},          E{Preprocessor::Canny, "canny"},
        E{Preprocessor::Scribble, "scribble"},  E{Preprocessor::Lineart, "lineart"},
        E{Preprocessor::Tile, "tile"},          E{Preprocessor::Shuffle, "shuffle"},
        E{Preprocessor::DepthMap, "depth_map"}, E{Preprocessor::DepthMidas, "depth_midas"}};
}

// The preprocessor that makes a `type` hint from a picture when the user names none: canny,
// scribble, lineart (also for lineart_anime and softedge), tile, shuffle, depth_map for depth (a
// depth map normalised; estimating one needs a model, so it is asked for by name). None for
// kinds that need a network we do not ship (normal, seg, openpose, mlsd) and for Given.
std::optional<Preprocessor> defaultPreprocessor(ControlType type);

// What the preprocessor's two settings mean and their defaults (A1111's "Threshold A/B"); a
// preprocessor without a setting has no default for it.
struct PreprocessorSettings {
    std::optional<double> defaultA, defaultB;
    const char* meaningA = nullptr; // e.g. "low threshold"
    const char* meaningB = nullptr;
};
PreprocessorSettings preprocessorSettings(Preprocessor preprocessor);

} // namespace deadiff::control
