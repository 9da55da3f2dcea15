#include "core/io/sha256.h"

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace deadiff::io {

struct Sha256::State {
    EVP_MD_CTX* context = nullptr;
    bool finished = false;
};

Sha256::Sha256()
    : state_(std::make_unique<State>()) {
    state_->context = EVP_MD_CTX_new();
    if (state_->context == nullptr ||
        EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 is not available (libcrypto)");
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(state_->context);
}

void Sha256::update(const void* data, std::size_t size) {
    if (state_->finished)
        throw std::logic_error("Sha256::update after hexDigest");
    if (size > 0 && EVP_DigestUpdate(state_->context, data, size) != 1)
        throw std::runtime_error("SHA-256 update failed");
}

std::string Sha256::hexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (state_->finished || EVP_DigestFinal_ex(state_->context, digest, &length) != 1)
        throw std::logic_error("Sha256::hexDigest called twice");
    state_->finished = true;
    static const char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 15];
    }
    return hex;
}

std::string sha256OfFile(const std::string& path, const HashProgress& progress,
                         std::uint64_t from) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw std::runtime_error("cannot read " + path + ": not a regular file");
    }
    // Sequential read-ahead; the pages are not needed again, so they need not crowd the cache.
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    const auto total = static_cast<std::uint64_t>(info.st_size);
    if (from > total ||
        (from > 0 && ::lseek(fd, static_cast<off_t>(from), SEEK_SET) != static_cast<off_t>(from))) {
        ::close(fd);
        throw std::runtime_error("cannot read " + path + ": shorter than " + std::to_string(from) +
                                 " bytes");
    }
    Sha256 hash;
    std::vector<char> buffer(std::size_t{4} << 20);
    std::uint64_t done = from;
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            const int error = errno;
            ::close(fd);
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(error));
        }
        if (got == 0)
            break;
        hash.update(buffer.data(), static_cast<std::size_t>(got));
        ::posix_fadvise(fd, static_cast<off_t>(done), got, POSIX_FADV_DONTNEED);
        done += static_cast<std::uint64_t>(got);
        if (progress && !progress(done, total)) {
            ::close(fd);
            return {};
        }
    }
    ::close(fd);
    return hash.hexDigest();
}

} // namespace deadiff::io
