// A read-only view of a whole file through mmap. Tensors loaded from weight files are views
// into it and keep it alive through a shared_ptr, so gigabytes of weights cost page cache, not
// heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace deadiff::io {

class MappedFile {
public:
    // Throws std::runtime_error naming the path when the file cannot be opened or mapped.
    static std::shared_ptr<MappedFile> open(const std::string& path);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    const std::string& path() const { return path_; }

    // Tells the kernel the pages of [offset, offset + length) are no longer needed (after their
    // contents were converted to another dtype, say). Later reads fault them in again.
    void releasePages(std::size_t offset, std::size_t length) const;

private:
    MappedFile(std::string path, std::uint8_t* data, std::size_t size);

    std::string path_;
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace deadiff::io
