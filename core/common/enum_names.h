// One name table per enum: the spelling in JSON, on the command line and in the GUI's combo
// data. Each enum declares `constexpr auto enumNames(E)` (found by argument-dependent lookup)
// returning an array of {value, name}; these templates parse and print through it, so a new
// value is one line in one table. Torch-free.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deadiff {

template <typename Enum> struct EnumName {
    Enum value;
    const char* name;
};

// The table's name of `value` ("" for a value outside the table, which a cast could make).
template <typename Enum> const char* nameOf(Enum value) {
    for (const EnumName<Enum>& entry : enumNames(Enum{}))
        if (entry.value == value)
            return entry.name;
    return "";
}

template <typename Enum> std::optional<Enum> enumFromName(std::string_view name) {
    for (const EnumName<Enum>& entry : enumNames(Enum{}))
        if (name == entry.name)
            return entry.value;
    return std::nullopt;
}

// "a, b or c": the choices, for messages.
template <typename Enum> std::string enumNameList() {
    const auto names = enumNames(Enum{});
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0)
            list += i + 1 == names.size() ? " or " : ", ";
        list += names[i].name;
    }
    return list;
}

} // namespace deadiff
