#include "core/runtime/units.h"

#include <cstdio>

namespace deadiff {
namespace {

std::string human(double value, const char* const units[], int count, double base) {
    int unit = 0;
    while (value >= base && unit + 1 < count) {
        value /= base;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f%s" : "%.2f %s", value, units[unit]);
    return text;
}

} // namespace

std::string humanBytes(std::uint64_t bytes) {
    static const char* const units[] = {" B", "KB", "MB", "GB", "TB"};
    return human(static_cast<double>(bytes), units, 5, 1000.0);
}

std::string humanCount(std::uint64_t count) {
    static const char* const units[] = {"", "K", "M", "G", "T"};
    return human(static_cast<double>(count), units, 5, 1000.0);
}

} // namespace deadiff
