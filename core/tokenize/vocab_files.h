// Reading vocabulary files, with errors that name the file.
#pragma once

#include <string>

namespace deadiff::tokenize {

// The whole file. Throws std::runtime_error naming the file when it cannot be read.
std::string readVocabFile(const std::string& path);

// The decompressed content of a gzip file. Throws io::FormatError naming the file when it is
// not gzip or is truncated or corrupt.
std::string readGzipFile(const std::string& path);

} // namespace deadiff::tokenize
