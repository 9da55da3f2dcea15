// Writing a file so that readers only ever see the old or the complete new version: data goes
// to a temporary file beside the target, is flushed to disk, and is renamed over the target on
// commit(). Destroying an uncommitted AtomicFile removes the temporary (disk full, an
// exception, a cancel).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace deadiff::io {

class AtomicFile {
public:
    explicit AtomicFile(std::string finalPath); // throws std::runtime_error naming the path
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Throws std::runtime_error ("... (disk full?)") on a short write.
    void write(const void* data, std::size_t size);
    std::FILE* stream() const { return file_; }

    void commit();

    const std::string& finalPath() const { return finalPath_; }
    const std::string& tempPath() const { return tempPath_; }

private:
    std::string finalPath_;
    std::string tempPath_;
    std::FILE* file_ = nullptr;
    bool committed_ = false;
};

} // namespace deadiff::io
