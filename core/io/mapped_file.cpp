#include "core/io/mapped_file.h"

#include "core/io/bounded_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace deadiff::io {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
    const BoundedFile file = BoundedFile::open(path, kMaxWeightFileBytes, "weight file");
    const auto size = static_cast<std::size_t>(file.size());
    void* data = nullptr;
    if (size > 0) {
        // Private and writable: a tensor view that is written to gets its own page copy
        // instead of a segmentation fault; the file itself is never modified.
        data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, file.fd(), 0);
        if (data == MAP_FAILED)
            throw std::runtime_error("cannot map " + path + ": " + std::strerror(errno));
    }
    // The mapping keeps its own reference to the file; `file` closes the descriptor.
    return std::shared_ptr<MappedFile>(
        new MappedFile(path, static_cast<std::uint8_t*>(data), size));
}

MappedFile::MappedFile(std::string path, std::uint8_t* data, std::size_t size)
    : path_(std::move(path))
    , data_(data)
    , size_(size) {}

MappedFile::~MappedFile() {
    if (data_ != nullptr)
        ::munmap(data_, size_);
}

void MappedFile::releasePages(std::size_t offset, std::size_t length) const {
    if (data_ == nullptr || offset >= size_)
        return;
    length = std::min(length, size_ - offset);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    // Only whole pages inside the range: neighbouring tensors may share the edge pages.
    const std::size_t begin = (offset + page - 1) / page * page;
    const std::size_t end = (offset + length) / page * page;
    if (end > begin)
        ::madvise(data_ + begin, end - begin, MADV_DONTNEED);
}

} // namespace deadiff::io
