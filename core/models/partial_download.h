// The file side of a download: bytes go to TARGET.part as they arrive (so an interruption, a
// crash or a restart keeps them and the next attempt resumes with an HTTP Range), and the file
// becomes TARGET only after the SHA-256 of what is on disk matched, by an atomic rename. A file
// with the wrong hash is deleted. Network-free and Qt-free: the downloader feeds it.
#pragma once

#include "core/io/sha256.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace deadiff::models {

// No room to write: ENOSPC, a quota (EDQUOT) or the file size limit (EFBIG). What was written
// before stays in the .part file.
class DiskFullError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The finished file's SHA-256 is not the expected one; the file has been deleted.
class HashMismatchError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Free bytes for an unprivileged user on the file system of `folder` (statvfs f_bavail).
// Throws std::runtime_error when the folder cannot be examined.
using FreeSpaceProbe = std::function<std::uint64_t(const std::string& folder)>;
std::uint64_t freeSpace(const std::string& folder);

class PartialDownload {
public:
    // Opens TARGET.part for appending, creating it (and its folder) when absent. Throws
    // std::runtime_error naming the path when it cannot.
    explicit PartialDownload(std::string targetPath);
    ~PartialDownload();
    PartialDownload(const PartialDownload&) = delete;
    PartialDownload& operator=(const PartialDownload&) = delete;

    static std::string partPathFor(const std::string& targetPath);
    const std::string& targetPath() const { return target_; }
    const std::string& partPath() const { return part_; }

    // Bytes in the .part file: where a resumed request starts.
    std::uint64_t size() const { return size_; }

    // Empties the .part file (the server ignored a Range request and sends the whole file).
    void restart();

    // Appends `size` bytes. On a failure the bytes that did reach the file stay counted.
    // Throws DiskFullError or std::runtime_error naming the file.
    void append(const void* data, std::size_t size);

    // Flushes to disk, hashes the .part file and compares with `expectedSha256` (lowercase
    // hex). A match renames it to the target (atomically, replacing nothing: the caller checked)
    // and returns true; a mismatch deletes it and throws HashMismatchError with both hashes.
    // Returns false, keeping the file, when `progress` stopped the hash.
    bool finish(const std::string& expectedSha256, const io::HashProgress& progress = {});

    // Deletes the .part file.
    void discard();

private:
    void close();

    std::string target_;
    std::string part_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

} // namespace deadiff::models
