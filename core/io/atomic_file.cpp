#include "core/io/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace deadiff::io {

AtomicFile::AtomicFile(std::string finalPath)
    : finalPath_(std::move(finalPath)) {
    tempPath_ = finalPath_ + ".partial-XXXXXX";
    const int fd = ::mkstemp(tempPath_.data());
    if (fd < 0)
        throw std::runtime_error("cannot create a file beside " + finalPath_ + ": " +
                                 std::strerror(errno));
    file_ = ::fdopen(fd, "wb");
    if (file_ == nullptr) {
        ::close(fd);
        ::unlink(tempPath_.c_str());
        throw std::runtime_error("cannot write " + tempPath_);
    }
}

AtomicFile::~AtomicFile() {
    if (file_ != nullptr)
        std::fclose(file_);
    if (!committed_)
        ::unlink(tempPath_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
    if (size > 0 && std::fwrite(data, 1, size, file_) != size)
        throw std::runtime_error("cannot write " + finalPath_ + ": " + std::strerror(errno) +
                                 " (disk full?)");
}

void AtomicFile::commit() {
    const bool flushed = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    const int error = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed)
        throw std::runtime_error("cannot write " + finalPath_ + ": " + std::strerror(error) +
                                 " (disk full?)");
    ::chmod(tempPath_.c_str(), 0644);
    if (std::rename(tempPath_.c_str(), finalPath_.c_str()) != 0)
        throw std::runtime_error("cannot rename " + tempPath_ + " to " + finalPath_ + ": " +
                                 std::strerror(errno));
    committed_ = true;
}

} // namespace deadiff::io
