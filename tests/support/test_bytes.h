// Payloads for the download tests and their expected SHA-256, computed by coreutils'
// sha256sum so that no expected hash comes from the code under test.
#pragma once

#include <cstddef>
#include <string>

namespace deadiff::test {

// `size` bytes from a fixed generator: the same for the same seed.
std::string randomBytes(std::size_t size, unsigned seed);

// sha256sum of the file at `path`: 64 hex digits, empty when sha256sum failed.
std::string sha256sumOfFile(const std::string& path);

// The same for `bytes`, through a scratch file in `scratchDir` (removed again).
std::string sha256sumOfBytes(const std::string& bytes, const std::string& scratchDir);

} // namespace deadiff::test
