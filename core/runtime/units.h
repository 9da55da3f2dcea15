// Sizes and counts for people: "7.43 GB", "1.07 G" (decimal units, like file managers and
// the catalogue's sizes).
#pragma once

#include <cstdint>
#include <string>

namespace deadiff {

// "512 B", "10.49 MB", "7.43 GB".
std::string humanBytes(std::uint64_t bytes);
// "950", "1.07 G".
std::string humanCount(std::uint64_t count);

} // namespace deadiff
