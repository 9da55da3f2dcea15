#include "core/models/partial_download.h"

#include "core/models/models_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace deadiff::models {
namespace {

namespace fs = std::filesystem;

std::string errnoText(int error) {
    return std::strerror(error);
}

} // namespace

std::uint64_t freeSpace(const std::string& folder) {
    struct statvfs info {};
    if (::statvfs(folder.c_str(), &info) != 0)
        throw std::runtime_error("cannot examine " + folder + ": " + errnoText(errno));
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

std::string PartialDownload::partPathFor(const std::string& targetPath) {
    return targetPath + kPartSuffix;
}

PartialDownload::PartialDownload(std::string targetPath)
    : target_(std::move(targetPath))
    , part_(partPathFor(target_)) {
    std::error_code ec;
    fs::create_directories(fs::path(target_).parent_path(), ec);
    if (ec)
        throw std::runtime_error("cannot create the folder " +
                                 fs::path(target_).parent_path().string() + ": " + ec.message());
    fd_ = ::open(part_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw std::runtime_error("cannot write " + part_ + ": " + errnoText(errno));
    // Two downloads appending to one .part would interleave their bytes.
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        close();
        throw std::runtime_error("another download is writing " + part_ +
                                 " (another deadiff or studio window); wait for it to finish");
    }
    struct stat info {};
    if (::fstat(fd_, &info) != 0) {
        const int error = errno;
        close();
        throw std::runtime_error("cannot read " + part_ + ": " + errnoText(error));
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
}

PartialDownload::~PartialDownload() {
    close();
}

void PartialDownload::close() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

void PartialDownload::restart() {
    if (fd_ < 0 || ::ftruncate(fd_, 0) != 0)
        throw std::runtime_error("cannot empty " + part_ + ": " + errnoText(errno));
    size_ = 0;
}

void PartialDownload::append(const void* data, std::size_t size) {
    if (fd_ < 0)
        throw std::runtime_error("cannot write " + part_ + ": the file is closed");
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(fd_, bytes, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0) {
            const int error = errno;
            if (error == ENOSPC || error == EDQUOT || error == EFBIG)
                throw DiskFullError("no room to write " + part_ + " (" + errnoText(error) +
                                    ") after " + std::to_string(size_) +
                                    " bytes; the bytes so far are kept: free some space and "
                                    "download again to resume");
            throw std::runtime_error("cannot write " + part_ + ": " + errnoText(error));
        }
        size_ += static_cast<std::uint64_t>(written);
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
}

bool PartialDownload::finish(const std::string& expectedSha256, const io::HashProgress& progress) {
    if (fd_ < 0 || ::fsync(fd_) != 0)
        throw std::runtime_error("cannot write " + part_ + ": " + errnoText(errno) +
                                 " (disk full?)");
    const std::string actual = io::sha256OfFile(part_, progress);
    if (actual.empty())
        return false;
    if (actual != expectedSha256) {
        discard();
        throw HashMismatchError("the downloaded file's SHA-256 is " + actual + ", expected " +
                                expectedSha256 + "; the download was deleted (" +
                                std::to_string(size_) + " bytes)");
    }
    if (std::rename(part_.c_str(), target_.c_str()) != 0)
        throw std::runtime_error("cannot rename " + part_ + " to " + target_ + ": " +
                                 errnoText(errno));
    close();
    // The rename itself must survive a power cut: sync the folder.
    const int folder =
        ::open(fs::path(target_).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder >= 0) {
        ::fsync(folder);
        ::close(folder);
    }
    return true;
}

void PartialDownload::discard() {
    close();
    ::unlink(part_.c_str());
    size_ = 0;
}

} // namespace deadiff::models
