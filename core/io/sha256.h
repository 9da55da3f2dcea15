// SHA-256 of bytes and of files (OpenSSL's libcrypto: SHA-NI where the CPU has it, ~2 GB/s, so
// checking a 7 GB checkpoint is bound by the disk, not the hash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace deadiff::io {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, std::size_t size);
    // Lowercase hex of the digest; the object cannot be updated afterwards.
    std::string hexDigest();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Called with (bytes hashed, file size) every few megabytes; returning false stops the hash.
using HashProgress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

// Lowercase hex SHA-256 of a file's contents from byte `from` on (0: the whole file). Throws
// std::runtime_error naming the file when it cannot be read or is shorter than `from`;
// returns an empty string when `progress` stopped it.
std::string sha256OfFile(const std::string& path, const HashProgress& progress = {},
                         std::uint64_t from = 0);

} // namespace deadiff::io
