#pragma once

#include <stdexcept>
#include <string>

namespace deadiff::io {

// A file is not what it claims to be: truncated, malformed, hostile, or of another format.
// The message names the file and what is wrong.
class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace deadiff::io
