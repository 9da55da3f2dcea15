#include "core/io/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

namespace deadiff::io {
namespace {

std::string describeSize(std::uint64_t bytes) {
    std::ostringstream text;
    text.precision(3);
    if (bytes >= (std::uint64_t{1} << 30))
        text << static_cast<double>(bytes) / static_cast<double>(std::uint64_t{1} << 30) << " GiB";
    else if (bytes >= (std::uint64_t{1} << 20))
        text << static_cast<double>(bytes) / static_cast<double>(std::uint64_t{1} << 20) << " MiB";
    else
        text << bytes << " bytes";
    return text.str();
}

// What a non-regular file is, in words; empty for a regular file.
std::string kindOf(mode_t mode) {
    if (S_ISREG(mode))
        return {};
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a plain file";
}

std::string notRegular(const std::string& path, const std::string& kind, const std::string& what) {
    return path + ": not a regular file (" + kind + "); the " + what + " must be a file";
}

std::string statProblem(const std::string& path, int error, const std::string& what) {
    if (error == ENOENT || error == ENOTDIR)
        return path + ": no such file (" + what + ")";
    return path + ": cannot open the " + what + " (" + std::strerror(error) + ")";
}

std::string tooLarge(const std::string& path, std::uint64_t size, std::uint64_t maxBytes,
                     const std::string& what) {
    return path + ": " + describeSize(size) + " is larger than any " + what +
           " this program reads (at most " + describeSize(maxBytes) + ")";
}

} // namespace

std::string regularFileProblem(const std::string& path, const std::string& what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return statProblem(path, errno, what);
    if (const std::string kind = kindOf(st.st_mode); !kind.empty())
        return notRegular(path, kind, what);
    if (::access(path.c_str(), R_OK) != 0)
        return statProblem(path, errno, what);
    return {};
}

BoundedFile BoundedFile::open(const std::string& path, std::uint64_t maxBytes,
                              const std::string& what) {
    // Refuse by type before open(): opening a FIFO waits for a writer, and opening some
    // devices has effects (a tape rewinds).
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw FileAccessError(statProblem(path, errno, what));
    if (const std::string kind = kindOf(st.st_mode); !kind.empty())
        throw FileAccessError(notRegular(path, kind, what));
    // O_NONBLOCK: should the path have become a FIFO since stat(), open() still returns at
    // once, and fstat() below refuses it. Reads of regular files ignore the flag, but the odd
    // "regular" file that would block (/proc/kmsg) fails with EAGAIN instead of hanging.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        throw FileAccessError(statProblem(path, errno, what));
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const std::string kind = kindOf(st.st_mode);
        ::close(fd);
        throw FileAccessError(notRegular(path, kind.empty() ? "not a plain file" : kind, what));
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > maxBytes) {
        ::close(fd);
        throw FileAccessError(tooLarge(path, size, maxBytes, what));
    }
    return BoundedFile(path, fd, size, maxBytes, what);
}

BoundedFile::BoundedFile(std::string path, int fd, std::uint64_t size, std::uint64_t maxBytes,
                         std::string what)
    : path_(std::move(path))
    , fd_(fd)
    , size_(size)
    , maxBytes_(maxBytes)
    , what_(std::move(what)) {}

BoundedFile::BoundedFile(BoundedFile&& other) noexcept
    : path_(std::move(other.path_))
    , fd_(std::exchange(other.fd_, -1))
    , size_(other.size_)
    , maxBytes_(other.maxBytes_)
    , what_(std::move(other.what_)) {}

BoundedFile& BoundedFile::operator=(BoundedFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        size_ = other.size_;
        maxBytes_ = other.maxBytes_;
        what_ = std::move(other.what_);
    }
    return *this;
}

BoundedFile::~BoundedFile() {
    if (fd_ >= 0)
        ::close(fd_);
}

std::vector<std::uint8_t> BoundedFile::read(std::uint64_t limit, bool failPastLimit) {
    std::vector<std::uint8_t> bytes;
    // stat's size is a hint (0 for /proc files): reserve it, but stop at the limit whatever.
    bytes.reserve(static_cast<std::size_t>(std::min(size_, limit)));
    std::uint8_t buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd_, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw FileAccessError(path_ + ": read error in the " + what_ + " (" +
                                  std::strerror(errno) + ")");
        }
        if (got == 0)
            break;
        const auto room = static_cast<std::size_t>(limit - bytes.size());
        if (static_cast<std::size_t>(got) > room) {
            if (failPastLimit)
                throw FileAccessError(tooLarge(path_, bytes.size() + static_cast<std::size_t>(got),
                                               maxBytes_, what_));
            bytes.insert(bytes.end(), buffer, buffer + room);
            break;
        }
        bytes.insert(bytes.end(), buffer, buffer + got);
        if (!failPastLimit && bytes.size() == limit)
            break;
    }
    return bytes;
}

std::vector<std::uint8_t> BoundedFile::readAll() {
    if (::lseek(fd_, 0, SEEK_SET) != 0)
        throw FileAccessError(path_ + ": cannot read the " + what_ + " (" + std::strerror(errno) +
                              ")");
    return read(maxBytes_, true);
}

std::vector<std::uint8_t> BoundedFile::readHead(std::size_t count) {
    if (::lseek(fd_, 0, SEEK_SET) != 0)
        throw FileAccessError(path_ + ": cannot read the " + what_ + " (" + std::strerror(errno) +
                              ")");
    return read(std::min<std::uint64_t>(count, maxBytes_), false);
}

std::FILE* BoundedFile::releaseToStream() {
    std::FILE* stream = ::fdopen(fd_, "rb");
    if (stream == nullptr)
        throw FileAccessError(path_ + ": cannot read the " + what_ + " (" + std::strerror(errno) +
                              ")");
    fd_ = -1;
    return stream;
}

std::vector<std::uint8_t> readBoundedFile(const std::string& path, std::uint64_t maxBytes,
                                          const std::string& what) {
    return BoundedFile::open(path, maxBytes, what).readAll();
}

std::string readBoundedTextFile(const std::string& path, std::uint64_t maxBytes,
                                const std::string& what) {
    const std::vector<std::uint8_t> bytes = readBoundedFile(path, maxBytes, what);
    return std::string(bytes.begin(), bytes.end());
}

} // namespace deadiff::io
